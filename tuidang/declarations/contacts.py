"""Contact details are sealed on arrival to the centre's public key (a libsodium sealed box).

The web server holds only the public key, so it can seal but never open: a stolen server, its
database or its backups reveal nothing. The private half is made by ``tuidang contacts keygen``
on an offline machine and stays there, with the staff who call declarants back; they open the
sealed details with ``tuidang contacts reveal --key FILE``.

The public key comes from ``TUIDANG_CONTACTS_PUBLIC_KEY`` (base64) or
``<data dir>/secrets/contacts-public.key``. The server never makes a key pair: with no public
key configured, no form takes contact details (and says why). ``tuidang serve`` refuses to start
while the private key matching the public one is anywhere in the data directory
(``private_keys_in``), because whoever seizes the server or a backup of it would then hold both.
"""

import base64
import binascii
import errno
import hashlib
import os
import re
from pathlib import Path

from nacl.public import PrivateKey, PublicKey, SealedBox

from tuidang.conf import data_dir, env, secrets_dir

# A private key file as `contacts keygen` writes it: 32 bytes in standard base64 (44 characters),
# looked for anywhere in a file's text, so a key pasted into a note or an .env file is found too.
BASE64_KEY = re.compile(rb"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])")
# Larger files (the SQLite database, logs) are not key files; reading them would slow startup.
LARGEST_KEY_FILE = 256 * 1024


class NoContactsKey(RuntimeError):
    """Contact details were to be sealed, but the server has no public key to seal them to."""


def public_key_path() -> Path:
    return secrets_dir() / "contacts-public.key"


def make_keypair(public_path: Path, private_path: Path) -> PublicKey:
    """Write a new key pair; FileExistsError if either file exists (nothing is overwritten).

    The private key file is created with ``O_EXCL`` and mode 0600 before its first byte is
    written: it is never readable by others, and an existing key, which may be the only way to
    open old contact details, is never lost.
    """
    if public_path.exists():
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(public_path))
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    private = PrivateKey.generate()
    try:
        with os.fdopen(fd, "w") as file:
            file.write(base64.b64encode(bytes(private)).decode() + "\n")
        with open(public_path, "x") as file:
            file.write(base64.b64encode(bytes(private.public_key)).decode() + "\n")
    except BaseException:
        private_path.unlink()  # nothing is sealed to this pair yet
        raise
    return private.public_key


def public_key() -> PublicKey | None:
    """The centre's public key, or None when none is configured (contact details are then not
    taken at all). Read on every use, so a key set while the server runs takes effect."""
    configured = env("TUIDANG_CONTACTS_PUBLIC_KEY").strip()
    if not configured:
        try:
            configured = public_key_path().read_text().strip()
        except FileNotFoundError:
            return None
    try:
        return PublicKey(base64.b64decode(configured, validate=True))
    except ValueError:  # binascii.Error and nacl's wrong-length error both are ValueErrors
        raise ValueError(
            "The contacts public key (TUIDANG_CONTACTS_PUBLIC_KEY or secrets/contacts-public.key) "
            "is not a public key made by `tuidang contacts keygen` (32 bytes in base64)."
        ) from None


def takes_contacts() -> bool:
    return public_key() is not None


def fingerprint(key: PublicKey) -> str:
    """A short name for a public key, for people to compare: 16 hex digits in groups of four."""
    digest = hashlib.sha256(bytes(key)).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def seal(text: str) -> bytes:
    key = public_key()
    if key is None:
        raise NoContactsKey(
            "No public key for contact details is configured (TUIDANG_CONTACTS_PUBLIC_KEY); "
            "nothing can be sealed."
        )
    return SealedBox(key).encrypt(text.encode())


def load_private_key(path: Path) -> PrivateKey:
    return PrivateKey(base64.b64decode(Path(path).read_text().strip()))


def reveal(sealed: bytes, private_key: PrivateKey) -> str:
    return SealedBox(private_key).decrypt(bytes(sealed)).decode()


# --- Keeping the private key off the server ---------------------------------------------------


def _candidate_keys(data: bytes) -> list[bytes]:
    """Every 32-byte value in ``data`` that could be a private key file's content."""
    candidates = [data] if len(data) == 32 else []  # a raw key, written by other tools
    for match in BASE64_KEY.finditer(data):
        try:
            candidates.append(base64.b64decode(match.group(), validate=True))
        except binascii.Error:
            continue
    return candidates


def private_keys_in(root: Path, public: PublicKey) -> list[Path]:
    """The files under ``root`` that hold the private key belonging to ``public``.

    Every regular file of up to ``LARGEST_KEY_FILE`` bytes is read, whatever its name, and each
    32-byte value in it (raw, or base64 anywhere in its text) is tried: the key is found by
    deriving its public key, not by its file name.
    """
    found = []
    for directory, _subdirectories, files in os.walk(root):
        for name in files:
            path = Path(directory, name)
            try:
                if not path.is_file() or path.stat().st_size > LARGEST_KEY_FILE:
                    continue
                data = path.read_bytes()
            except OSError:
                continue  # vanished or unreadable meanwhile (a SQLite -shm file, say)
            if any(PrivateKey(c).public_key == public for c in _candidate_keys(data)):
                found.append(path)
    return sorted(found)


def private_key_on_server() -> str:
    """Why the server must not start, or "" when the contacts private key is not in its data."""
    try:
        public = public_key()
    except ValueError as error:
        return str(error)
    if public is None:
        return ""
    found = private_keys_in(data_dir(), public)
    if not found:
        return ""
    files = "\n".join(f"  {path}" for path in found)
    return (
        "The private key for contact details is in the data directory:\n"
        f"{files}\n"
        "Whoever seizes this server or a backup of it could open every declarant's contact "
        "details with it. Move it to the offline machine of the staff who call declarants back, "
        "delete it here (and from any backup of this directory), then start again. The server "
        "needs only the public key."
    )


def key_status() -> str:
    """One line for the operator at startup: which key contact details are sealed to, if any.

    The fingerprint lets staff holding the private key notice a public key swapped by someone
    with access to the server (they compare it with their own key's, `contacts fingerprint`).
    """
    public = public_key()
    if public is None:
        return (
            "tuidang: no public key for contact details (TUIDANG_CONTACTS_PUBLIC_KEY): "
            "the forms take no contact details."
        )
    return f"tuidang: contact details are sealed to the key with fingerprint {fingerprint(public)}."
