"""tuidang.ledger: a small transparency-log library, in pure Python.

It implements RFC 6962 / RFC 9162 Merkle trees and the C2SP formats around
them, so that tuidang's tally can be published as a tiled log that anyone can
audit with off-the-shelf tools.  It depends on nothing but the standard
library and PyNaCl (for Ed25519), and imports nothing else from tuidang.

Modules:

* :mod:`~tuidang.ledger.hashes` — leaf and node hashes, the stored-hash layout
  of golang.org/x/mod/sumdb/tlog, and the :class:`HashReader` protocol.
* :mod:`~tuidang.ledger.tree` — tree hashes, inclusion and consistency proofs
  (creation from stored hashes or in memory, and verification).
* :mod:`~tuidang.ledger.checkpoint` — c2sp.org/tlog-checkpoint note bodies.
* :mod:`~tuidang.ledger.note` — c2sp.org/signed-note with Ed25519, and
  c2sp.org/tlog-cosignature (``cosignature/v1``) witness signatures.
* :mod:`~tuidang.ledger.tiles` — c2sp.org/tlog-tiles paths, tile and entry
  bundle encodings, and a hash reader over authenticated tiles.
* :mod:`~tuidang.ledger.proof` — c2sp.org/tlog-proof offline receipts.
* :mod:`~tuidang.ledger.witness` — the c2sp.org/tlog-witness wire format.
* :mod:`~tuidang.ledger.client` — an auditor's walk over a tiled log.
* :mod:`~tuidang.ledger.errors` — the exception classes.

See docs/ledger.md for the API and the semantics chosen for edge cases.
"""

from .checkpoint import Checkpoint
from .client import LogClient, caching_fetch, full_tile_fallback
from .errors import FormatError, LedgerError, ProofError, SignatureError, TileError
from .hashes import (
    EMPTY_ROOT,
    HASH_SIZE,
    HashReader,
    MemoryHashStore,
    leaf_hash,
    node_hash,
    split_stored_hash_index,
    stored_hash_count,
    stored_hash_index,
    stored_hashes,
)
from .note import (
    CosignatureSigner,
    CosignatureVerifier,
    Ed25519Signer,
    Ed25519Verifier,
    Signature,
    Signer,
    Verifier,
    add_signatures,
    generate_key,
    new_signer,
    new_verifier,
    sign,
)
from .note import open as open_note
from .proof import format_proof, parse_proof, verify_proof
from .tiles import (
    Tile,
    TileHashReader,
    decode_bundle,
    encode_bundle,
    entries_path,
    parse_tile_path,
    tile_path,
    tiles_for_size,
)
from .tree import (
    consistency_proof_from_leaf_hashes,
    inclusion_proof_from_leaf_hashes,
    prove_consistency,
    prove_inclusion,
    root_from_leaf_hashes,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)
from .witness import (
    check_add_checkpoint,
    format_add_checkpoint,
    parse_add_checkpoint,
    parse_cosignatures,
    verify_cosignatures,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Checkpoint",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Ed25519Signer",
    "Ed25519Verifier",
    "FormatError",
    "HashReader",
    "LedgerError",
    "LogClient",
    "MemoryHashStore",
    "ProofError",
    "Signature",
    "SignatureError",
    "Signer",
    "Tile",
    "TileError",
    "TileHashReader",
    "Verifier",
    "add_signatures",
    "caching_fetch",
    "check_add_checkpoint",
    "consistency_proof_from_leaf_hashes",
    "decode_bundle",
    "encode_bundle",
    "entries_path",
    "format_add_checkpoint",
    "format_proof",
    "full_tile_fallback",
    "generate_key",
    "inclusion_proof_from_leaf_hashes",
    "leaf_hash",
    "new_signer",
    "new_verifier",
    "node_hash",
    "open_note",
    "parse_add_checkpoint",
    "parse_cosignatures",
    "parse_proof",
    "parse_tile_path",
    "prove_consistency",
    "prove_inclusion",
    "root_from_leaf_hashes",
    "sign",
    "split_stored_hash_index",
    "stored_hash_count",
    "stored_hash_index",
    "stored_hashes",
    "tile_path",
    "tiles_for_size",
    "tree_hash",
    "verify_consistency",
    "verify_cosignatures",
    "verify_inclusion",
    "verify_proof",
]
