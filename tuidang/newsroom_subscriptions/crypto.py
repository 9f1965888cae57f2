"""Followers' addresses at rest: sealed with an AEAD key kept outside the database.

``<data dir>/secrets/followers.key`` holds one random root; from it come (BLAKE2b, keyed with
a label each) the XSalsa20-Poly1305 key that seals addresses, the HMAC key of the lookup hash,
and the key of the links in the mail. A stolen database (or backup of it) holds only sealed
boxes and keyed hashes: without the file neither opens, nor can a guessed address be checked.
The server itself can open them, as it must to send mail (docs/threat-model.md).
"""

from __future__ import annotations

import functools
import hashlib
import hmac

import nacl.secret
import nacl.utils

from tuidang import conf

KEY_FILE = "followers.key"


@functools.cache
def _root() -> bytes:
    value = conf.read_or_create_secret(KEY_FILE, lambda: nacl.utils.random(32).hex())
    return bytes.fromhex(value)


def _subkey(label: bytes) -> bytes:
    return hashlib.blake2b(label, key=_root(), digest_size=32).digest()


def normalise(address: str) -> str:
    local, _, domain = address.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def lookup_hash(address: str) -> str:
    return hmac.new(_subkey(b"lookup"), normalise(address).encode(), hashlib.sha256).hexdigest()


@functools.cache
def _seal_box() -> nacl.secret.SecretBox:
    return nacl.secret.SecretBox(_subkey(b"seal"))


def seal(address: str) -> bytes:
    return bytes(_seal_box().encrypt(normalise(address).encode()))


def open_box(box: bytes) -> str:
    return _seal_box().decrypt(bytes(box)).decode()


def link_token(purpose: str, subscriber_id: int, salt: str) -> str:
    message = f"{purpose}:{subscriber_id}:{salt}".encode()
    return hmac.new(_subkey(b"links"), message, hashlib.sha256).hexdigest()[:40]


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()
