"""Checkpoints: the body of a log's signed tree head (c2sp.org/tlog-checkpoint).

A checkpoint is the *text* of a signed note (see :mod:`tuidang.ledger.note`)
made of at least three newline-terminated lines::

    example.com/behind-the-sofa                      origin
    20852163                                         tree size, decimal
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=     root hash, base64
    [extension lines]                                optional, non-empty

:meth:`Checkpoint.parse` is strict: the origin must be non-empty, the size
must be ASCII decimal with no leading zeroes (``0`` for the empty tree) and at
most ``2**63 - 1``, the root hash must be the canonical standard base64
encoding of exactly 32 bytes, extension lines must be non-empty, and the text
must end with a newline.  A checkpoint's signatures are handled by
:mod:`tuidang.ledger.note`; this module only deals with the text.
"""

from __future__ import annotations

from base64 import b64encode
from dataclasses import dataclass

from ._encoding import MAX_TREE_SIZE, decode_b64, parse_decimal
from .errors import FormatError
from .hashes import HASH_SIZE

__all__ = ["Checkpoint"]


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size and root hash, plus extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise ValueError("checkpoint origin must be a non-empty single line")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise ValueError(f"tree size {self.size} out of range")
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(f"root hash is {len(self.root_hash)} bytes long, not {HASH_SIZE}")
        for line in self.extensions:
            if not line or "\n" in line:
                raise ValueError("checkpoint extension lines must be non-empty single lines")

    def format(self) -> str:
        """Return the checkpoint note text, ending in a newline."""
        lines = [self.origin, str(self.size), b64encode(self.root_hash).decode("ascii")]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def parse(cls, text: str | bytes) -> Checkpoint:
        """Parse checkpoint note text (without signatures), strictly.

        Raises :class:`~tuidang.ledger.errors.FormatError` on any deviation
        from c2sp.org/tlog-checkpoint.
        """
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise FormatError("checkpoint is not valid UTF-8") from None
        if not text.endswith("\n"):
            raise FormatError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise FormatError(f"checkpoint has {len(lines)} lines, expected at least 3")
        origin, size_line, hash_line, *extensions = lines
        if not origin:
            raise FormatError("checkpoint origin line is empty")
        size = parse_decimal(size_line, "tree size")
        root_hash = decode_b64(hash_line, "root hash", HASH_SIZE)
        if any(not line for line in extensions):
            raise FormatError("checkpoint extension lines must be non-empty")
        return cls(origin, size, root_hash, tuple(extensions))
