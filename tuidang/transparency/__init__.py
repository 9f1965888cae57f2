"""The transparency log's Django side: storage, checkpoints, witnesses, export, ``/log/``.

``tuidang.ledger`` is the log as a small spec (pure functions, no storage); this app keeps one
log in the database, signs it, gets it witnessed and serves it. Any other app appends entries
through the three functions below, and only inside its own transaction, so that what it
records about an entry (a person's leaf index, a counter) commits together with the entry or
not at all::

    with transaction.atomic():
        size = transparency.lock()                  # the log's size; one writer at a time
        first = transparency.append_entries(encoded)   # leaf indexes first, first + 1, ...
    transparency.sign_checkpoint(batch_time)

The declarations sequencer is the one writer today; the cases app may anchor dossier hashes
the same way. This app imports no other app of tuidang (``tests/test_import_direction.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuidang.transparency.logstore import Checkpoint


def lock() -> int:
    """Lock the log for appending until the caller's transaction ends; return its size.

    Call inside ``transaction.atomic()``. A second writer waits here until the first commits,
    then sees its entries, so two writers never fork the log.
    """
    from tuidang.transparency import logstore

    return logstore.lock_state().size


def append_entries(entries: Sequence[bytes]) -> int:
    """Append ``entries`` (encoded log entries) to the log; return the leaf index of the first.

    Call inside ``transaction.atomic()``: the tiles, the entry bundles and the new tree head are
    written in the caller's transaction. Nothing is published until ``sign_checkpoint``.
    """
    from tuidang.transparency import logstore

    return logstore.append(entries)


def sign_checkpoint(batch_time: datetime) -> Checkpoint | None:
    """Sign a checkpoint of the stored tree if it grew, dated ``batch_time`` (a batch boundary,
    never the moment of signing; see ``batches.py``). Returns it, or None if nothing is new."""
    from tuidang.transparency import logstore

    return logstore.sign_checkpoint(batch_time)
