"""Exception classes shared by every module of :mod:`tuidang.ledger`.

All of them derive from :class:`ValueError`, because every failure this
library reports is, at bottom, "these bytes are not what they claim to be":
a proof that does not lead to the root, a note whose signature does not
verify, a tile whose hash does not match its parent.  Callers that do not
care about the distinction can catch :class:`LedgerError` (or ``ValueError``).
"""

from __future__ import annotations

__all__ = ["FormatError", "LedgerError", "ProofError", "SignatureError", "TileError"]


class LedgerError(ValueError):
    """Base class of every error raised by :mod:`tuidang.ledger`."""


class FormatError(LedgerError):
    """Input is syntactically malformed (not a valid note, checkpoint, path, ...)."""


class ProofError(LedgerError):
    """A Merkle inclusion or consistency proof is malformed or does not verify,
    or a proof was requested for coordinates that are not in the tree."""


class SignatureError(LedgerError):
    """A signed note carries a bad signature from a known key, or no
    signature from any trusted key at all."""


class TileError(LedgerError):
    """A fetched tile, entry bundle or checkpoint did not authenticate.

    ``path`` names the resource (for example ``tile/0/x001/002``) so that an
    auditor's report can say exactly which object the log served wrongly.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
