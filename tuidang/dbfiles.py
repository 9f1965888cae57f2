"""Deleted text must leave the database files, not only the rows.

SQLite in WAL mode keeps every changed page twice for a while: the new version is appended to
``tuidang.sqlite3-wal``, and the old one stays in ``tuidang.sqlite3`` until a checkpoint
copies the new version over it. ``secure_delete`` (set on every connection in settings.py)
makes SQLite overwrite freed cells and pages with zeros instead of leaving them in place; a
``wal_checkpoint(TRUNCATE)`` then writes the wiped pages into the main file and empties the
WAL, so an alias removed for safety is in neither file a moment later.

PostgreSQL keeps old row versions ("dead tuples") until VACUUM reuses their space, and even
then the bytes stay until they are overwritten; ``docs/deploy.md`` says what to run.
"""

import logging

from django.db import connection

log = logging.getLogger(__name__)


def wipe_freed_pages() -> bool:
    """Checkpoint the SQLite WAL into the main file and truncate it. True when it completed.

    Does nothing (and returns True) on other databases. A reader holding an old snapshot
    makes the checkpoint stop short; the next removal or housekeeping run finishes it.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return connection.vendor != "sqlite"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _frames, _copied = cursor.fetchone()
    if busy:
        log.warning("WAL checkpoint stopped short: a reader is still open; retried later")
    return not busy
