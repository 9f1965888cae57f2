"""What each field of a case may show, and the encryption of the fields that name people.

**Sensitivity is declared once per field**, on the field itself (``sensitivity=``): the
registry (``sensitivity_of``, ``fields_at``) is read from the models, so search, lists,
exports and the audit log ask the same place and a new field cannot be forgotten (a test
checks every field of the app is declared or ordinary by type).

- ``ORDINARY``: counts and codes (act type, province, year, status) that aggregate tables
  may show.
- ``CONFIDENTIAL``: narratives and notes; encrypted at rest, shown to whoever may open the
  case, never put into a log line or a search index.
- ``IDENTITY``: what names or locates a person (real names, birth dates, addresses, contact
  details, where a person at risk is); encrypted at rest, shown only on request with a reason,
  and every showing is an ``AuditEvent`` (``cases.identity_viewed``).
- ``OFFLINE``: the most sensitive (a hiding place, a family's address at home): sealed to the
  centre's offline public key, like declarants' contact details; the server cannot open them,
  only ``tuidang cases reveal --key FILE`` on the machine that holds the private key.

**The key.** ``CONFIDENTIAL`` and ``IDENTITY`` fields are sealed with XChaCha20-Poly1305
(libsodium's AEAD, through PyNaCl) under a 32-byte key read from ``TUIDANG_CASES_KEY_FILE``
(default ``$XDG_CONFIG_HOME/tuidang/cases.key``, i.e. ``~/.config/tuidang/cases.key``). The key is
never in the database, nor in the data directory (the server refuses a key file inside it), so
neither a stolen database, nor a backup of it, nor a copy of the data directory opens anything.
A running server holds the key in memory: whoever controls the live machine can read what its
staff can (docs/threat-model.md). With no key file the server stores no sealed field at all
and says why (``NoCasesKey``); it never makes a key by itself, because a key made silently in
a place nobody backs up is data lost on the next reinstall. ``tuidang cases keygen`` makes one
(mode 0600, never overwriting).

Each sealed value is ``version (1 byte) || key id (4 bytes) || nonce (24) || ciphertext``; the
associated data binds it to its model and field (``cases.person.real_name``), so a value copied
into another column by someone with write access to the database fails to open instead of
showing up under the wrong label.
"""

import base64
import enum
import errno
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from django.db import models
from nacl import bindings
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from tuidang.conf import data_dir, env, secrets_dir

VERSION = b"\x01"
KEY_BYTES = 32
NONCE_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES


class Sensitivity(enum.IntEnum):
    ORDINARY = 0
    CONFIDENTIAL = 1
    IDENTITY = 2
    OFFLINE = 3


ORDINARY = Sensitivity.ORDINARY
CONFIDENTIAL = Sensitivity.CONFIDENTIAL
IDENTITY = Sensitivity.IDENTITY
OFFLINE = Sensitivity.OFFLINE


class NoCasesKey(RuntimeError):
    """A sealed field was to be written or read, but the server has no key for case files."""


class SealedValueBroken(RuntimeError):
    """A sealed value does not open with the key: another key, or changed in the database."""


# --- The key ----------------------------------------------------------------------------------


def key_path() -> Path:
    configured = env("TUIDANG_CASES_KEY_FILE").strip()
    if configured:
        return Path(configured).expanduser()
    xdg = env("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".config"
    return base / "tuidang" / "cases.key"


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True


def make_key(path: Path | None = None) -> Path:
    """Write a new key file (0600, ``O_EXCL``: an existing key is never overwritten)."""
    path = path or key_path()
    if _inside(path, data_dir()):
        raise ValueError(
            f"{path} is inside the data directory ({data_dir()}); the key for case files must "
            "live elsewhere, or a backup of the data directory would open every case."
        )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
    _cached_key.clear()
    return path


_cached_key: dict[Path, tuple[float, bytes]] = {}


def key() -> bytes:
    """The key for case files, read from its file (and cached while the file is unchanged)."""
    path = key_path()
    if _inside(path, data_dir()):
        raise NoCasesKey(
            f"The key for case files ({path}) is inside the data directory: a stolen backup "
            "would hold both the sealed case files and their key. Move it outside (set "
            "TUIDANG_CASES_KEY_FILE) and start again."
        )
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        raise NoCasesKey(
            f"No key for case files at {path} (TUIDANG_CASES_KEY_FILE): names, birth dates, "
            "addresses and narratives are stored only encrypted, so nothing of them can be "
            "saved. Make a key with `tuidang cases keygen` and keep a copy offline."
        ) from None
    cached = _cached_key.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        value = base64.b64decode(path.read_text().strip(), validate=True)
    except ValueError:
        value = b""
    if len(value) != KEY_BYTES:
        raise NoCasesKey(f"{path} is not a key made by `tuidang cases keygen` (32 bytes, base64).")
    _cached_key[path] = (mtime, value)
    return value


def has_key() -> bool:
    try:
        key()
    except NoCasesKey:
        return False
    return True


def key_id(value: bytes) -> bytes:
    return hashlib.sha256(b"tuidang cases key id\n" + value).digest()[:4]


# --- Sealing with the server's key -------------------------------------------------------------


def seal(text: str, context: str) -> bytes:
    """Encrypt ``text`` for the column named ``context`` (``app.model.field``)."""
    return seal_bytes(text.encode(), context)


def unseal(value: bytes, context: str) -> str:
    return unseal_bytes(value, context).decode()


def seal_bytes(data: bytes, context: str) -> bytes:
    secret = key()
    nonce = secrets.token_bytes(NONCE_BYTES)
    header = VERSION + key_id(secret)
    ciphertext = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        data, header + context.encode(), nonce, secret
    )
    return header + nonce + ciphertext


def unseal_bytes(value: bytes, context: str) -> bytes:
    secret = key()
    value = bytes(value)
    header, nonce, ciphertext = value[:5], value[5 : 5 + NONCE_BYTES], value[5 + NONCE_BYTES :]
    if header[:1] != VERSION or header[1:] != key_id(secret):
        raise SealedValueBroken(
            f"a sealed {context} was written with another key than {key_path()}"
        )
    try:
        plain = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext, header + context.encode(), nonce, secret
        )
    except CryptoError:
        raise SealedValueBroken(
            f"a sealed {context} does not open: changed in the database"
        ) from None
    return plain


# --- Sealing to the offline key ----------------------------------------------------------------


def offline_public_key_path() -> Path:
    return secrets_dir() / "cases-public.key"


def offline_public_key() -> PublicKey | None:
    """The offline key's public half (``TUIDANG_CASES_PUBLIC_KEY`` or secrets/cases-public.key)."""
    configured = env("TUIDANG_CASES_PUBLIC_KEY").strip()
    if not configured:
        try:
            configured = offline_public_key_path().read_text().strip()
        except FileNotFoundError:
            return None
    try:
        return PublicKey(base64.b64decode(configured, validate=True))
    except ValueError:
        raise ValueError(
            "TUIDANG_CASES_PUBLIC_KEY (or secrets/cases-public.key) is not a public key made by "
            "`tuidang cases keygen --offline` (32 bytes in base64)."
        ) from None


def seal_offline(text: str) -> bytes:
    public = offline_public_key()
    if public is None:
        raise NoCasesKey(
            "No offline public key for the most sensitive case fields (TUIDANG_CASES_PUBLIC_KEY): "
            "they cannot be stored. Make the pair offline with `tuidang cases keygen --offline`."
        )
    return SealedBox(public).encrypt(text.encode())


def open_offline(value: bytes, private_key: PrivateKey) -> str:
    return SealedBox(private_key).decrypt(bytes(value)).decode()


def offline_key_on_server() -> str:
    """Why the server must not start, or "": the offline private key is in the data dir."""
    from tuidang.declarations.contacts import private_keys_in

    try:
        public = offline_public_key()
    except ValueError as error:
        return str(error)
    if public is None:
        return ""
    found = private_keys_in(data_dir(), public)
    if not found:
        return ""
    return (
        "The offline private key for case files is in the data directory:\n"
        + "\n".join(f"  {path}" for path in found)
        + "\nWhoever seizes this server or a backup of it could open the most sensitive case "
        "fields with it. Move it offline, delete it here, then start again."
    )


def key_status() -> str:
    """One line for the operator at startup: whether case files can be sealed, and where the key is."""
    if has_key():
        return f"tuidang: case files are sealed with the key at {key_path()} (keep a copy offline)."
    return (
        f"tuidang: no key for case files at {key_path()}: nothing sealed can be stored in cases "
        "(make one with `tuidang cases keygen`)."
    )


def make_offline_keypair(public_path: Path, private_path: Path) -> PublicKey:
    """The offline pair, as ``contacts keygen`` makes one (never overwriting either file)."""
    if public_path.exists():
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(public_path))
    from tuidang.declarations import contacts

    return contacts.make_keypair(public_path, private_path)


# --- The model fields ---------------------------------------------------------------------------


class SealedTextField(models.BinaryField):
    """Text kept encrypted in the database; Python code sees a ``str`` ("" when empty).

    ``sensitivity`` is ``CONFIDENTIAL`` or ``IDENTITY`` (sealed with the server's key). Sealed
    columns cannot be searched or sorted in the database; what must be found (a person by
    name) keeps a separate keyed digest beside it (``blind_index``).
    """

    # What django-stubs reports for the attribute: text, not the column's bytes.
    _pyi_private_set_type: str
    _pyi_private_get_type: str  # type: ignore[assignment]

    def __init__(self, *args: Any, sensitivity: Sensitivity = IDENTITY, **kwargs: Any) -> None:
        if sensitivity not in (CONFIDENTIAL, IDENTITY):
            raise ValueError("SealedTextField holds CONFIDENTIAL or IDENTITY text")
        self.sensitivity = sensitivity
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs["editable"] = True
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["sensitivity"] = int(self.sensitivity)
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def _check_str_default_value(self):
        return []  # the default is text, like every value of this field in Python

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None if self.null else ""
        if not value:
            return ""
        return unseal(value, self.context)

    def to_python(self, value):
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        if value == "":
            return connection.Database.Binary(b"")
        return connection.Database.Binary(seal(str(value), self.context))

    def value_to_string(self, obj):
        return self.value_from_object(obj)

    def formfield(self, **kwargs):
        from django import forms

        return forms.CharField(required=not self.blank, widget=forms.Textarea, **kwargs)

    def get_lookup(self, lookup_name):
        # Only "is it empty / null" makes sense on ciphertext; anything else is a bug that
        # would silently match nothing.
        if lookup_name in {"isnull"}:
            return super().get_lookup(lookup_name)
        return None


class OfflineSealedField(models.BinaryField):
    """Text sealed to the offline public key on save: the server writes it and cannot read it.

    Reading the attribute gives the sealed bytes (or ``b""``); assign a ``str`` to store new
    text. Only ``tuidang cases reveal --key FILE`` opens it.
    """

    sensitivity = OFFLINE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", b"")
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, str):
            value = seal_offline(value) if value else b""
        return super().get_db_prep_value(value, connection, prepared)


# --- The registry -------------------------------------------------------------------------------


def sensitivity_of(model: type[models.Model], field_name: str) -> Sensitivity:
    field = model._meta.get_field(field_name)
    return Sensitivity(getattr(field, "sensitivity", ORDINARY))


def fields_at(model: type[models.Model], *levels: Sensitivity) -> list[str]:
    """The names of ``model``'s concrete fields declared at one of ``levels``."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if getattr(field, "sensitivity", ORDINARY) in levels
    ]


def identity_fields(model: type[models.Model]) -> list[str]:
    return fields_at(model, IDENTITY, OFFLINE)


def registry() -> dict[str, Sensitivity]:
    """Every field of the cases app with its sensitivity, as ``app.model.field`` → level."""
    from django.apps import apps

    return {
        f"{model._meta.label_lower}.{field.name}": Sensitivity(
            getattr(field, "sensitivity", ORDINARY)
        )
        for model in apps.get_app_config("cases").get_models()
        for field in model._meta.concrete_fields
    }


def blind_index(text: str, purpose: str) -> str:
    """A keyed digest of normalised ``text``, to find equal values without storing them.

    Keyed with the case-files key, so a stolen database cannot be searched by guessing names.
    """
    normalised = " ".join(text.split()).casefold()
    return hashlib.blake2b(
        normalised.encode(), key=key(), person=b"tuidang-cases", salt=purpose.encode()[:16]
    ).hexdigest()[:32]
