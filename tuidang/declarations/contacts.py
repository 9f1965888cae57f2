"""Contact details are sealed on arrival to the centre's public key (a libsodium sealed box).

The web server holds only the public key, so it can seal but never open: a stolen server and
database reveal nothing. Staff who hold the private key file open them with
``tuidang contacts reveal --key FILE``.

The public key comes from ``TUIDANG_CONTACTS_PUBLIC_KEY`` (base64) or the data directory. On a
first run with neither, a key pair is made: the public half in ``secrets/contacts-public.key``,
the private half in ``secrets/contacts-private.key``, which the operator should move offline.
"""

import base64
import sys
from pathlib import Path

from nacl.public import PrivateKey, PublicKey, SealedBox

from tuidang.conf import env, secrets_dir


def public_key_path() -> Path:
    return secrets_dir() / "contacts-public.key"


def private_key_path() -> Path:
    return secrets_dir() / "contacts-private.key"


def generate_keypair(public_path: Path, private_path: Path) -> None:
    private = PrivateKey.generate()
    private_path.write_text(base64.b64encode(bytes(private)).decode() + "\n")
    private_path.chmod(0o600)
    public_path.write_text(base64.b64encode(bytes(private.public_key)).decode() + "\n")


def public_key() -> PublicKey:
    configured = env("TUIDANG_CONTACTS_PUBLIC_KEY")
    if configured:
        return PublicKey(base64.b64decode(configured))
    path = public_key_path()
    if not path.exists():
        generate_keypair(path, private_key_path())
        print(
            f"tuidang: made a key pair for contact details; move {private_key_path()} "
            "somewhere offline: the server needs only the public key.",
            file=sys.stderr,
        )
    return PublicKey(base64.b64decode(path.read_text().strip()))


def seal(text: str) -> bytes:
    return SealedBox(public_key()).encrypt(text.encode())


def load_private_key(path: Path) -> PrivateKey:
    return PrivateKey(base64.b64decode(Path(path).read_text().strip()))


def reveal(sealed: bytes, private_key: PrivateKey) -> str:
    return SealedBox(private_key).decrypt(bytes(sealed)).decode()
