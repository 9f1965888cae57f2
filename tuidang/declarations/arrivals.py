"""The intake queue: a declaration stored as it arrived, moderated afterwards by the sequencer.

With ``TUIDANG_INTAKE_QUEUE`` on, the partner API and the public form check a body by the
rules (no database read), store it as ONE ``Arrival`` row (``receive``) and answer "received".
The sequencer (``tuidang sequencer``, started by ``tuidang serve``) then takes the oldest
arrivals in batches (``moderate_batch``): it reads the moderation policy for the whole
batch in two set-based statements outside any transaction, then, in one short transaction per
batch, deletes the arrivals and stores each as a submission exactly as the request would have
(``Submission.objects.submit``'s flags), all of them in three multi-row INSERTs, so that
SQLite's one write lock is held only for the writes of at most ``BATCH`` submissions. The
receipt page shows "received" until then, and the submission's status after.

An arrival holds what its submission will hold and nothing more (docs/threat-model.md): the
aliases and statements (as the person rows hold them), the organisation ids and regions, the
contact sealed to the centre's public key, the receipt code's hash, and one bit: whether its
source sent a burst (counted in the request, where the hashed source is at hand; the source
itself is not stored). Removal through the receipt deletes a waiting arrival outright.
"""

import json
from collections.abc import Callable
from typing import Final

from django.db import connection, transaction
from django.utils import timezone

from tuidang import dbfiles
from tuidang.declarations import contacts, moderation
from tuidang.declarations.models import (
    Arrival,
    Status,
    Submission,
    _insert_many,
    fingerprint,
    normalise_name,
)

# Submissions per write transaction: the lock is held for a few milliseconds at most.
BATCH = 100
RECEIVED: Final = "received"

_SQL: dict[str, str] = {}


def _insert_sql() -> str:
    sql = _SQL.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ["created_at", "channel", "language", "declared_on", "people", "burst"]
        columns += ["sealed_contact", "receipt_hash"]
        sql = (
            f"INSERT INTO {quote(Arrival._meta.db_table)} "  # noqa: S608 - names from _meta
            f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        )
        _SQL[connection.vendor] = sql
    return sql


def receive(
    *,
    people: list[dict],
    declared_on,
    channel: str,
    language: str = "",
    contact: str = "",
    want_receipt: bool = False,
    client_key: str | None = None,
) -> str | None:
    """Store one submission of validated people in the queue; return its receipt code (or None).

    One INSERT and no read: the moderation waits for the sequencer, except the burst count,
    which belongs to the request's source and lives in the cache, not the database.
    """
    ops = connection.ops
    fields = Arrival._meta
    people_json = [
        [
            person["name"],
            person.get("statement", ""),
            person.get("region", ""),
            [organisation.pk for organisation in person["organisations"]],
        ]
        for person in people
    ]
    sealed = contacts.seal(contact) if contact else None
    code = Submission.new_receipt_code() if want_receipt else None
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_sql(),
            [
                ops.adapt_datetimefield_value(timezone.now()),
                channel,
                language,
                ops.adapt_datefield_value(declared_on),
                fields.get_field("people").get_db_prep_save(people_json, connection),
                moderation.is_burst(client_key),
                None
                if sealed is None
                else fields.get_field("sealed_contact").get_db_prep_save(sealed, connection),
                Submission.hash_receipt(code) if code else None,
            ],
        )
    return code


def _rows(people: list) -> list[tuple]:
    """An arrival's people as ``Submission.objects.submit`` stores them."""
    return [
        (position, name, normalise_name(name), statement, fingerprint(statement), region, orgs)
        for position, (name, statement, region, orgs) in enumerate(people)
    ]


def moderate_batch(limit: int = BATCH) -> int:
    """Moderate and store up to ``limit`` of the oldest arrivals; return how many were taken.

    The policy's reads for the whole batch (``moderation.seen_recently``: two set-based
    statements) happen before the write transaction; arrivals of the same batch are checked
    against one another in memory, since the database holds none of them yet. The
    transaction deletes the arrivals first and stores only those it deleted (so an arrival
    removed by its receipt meanwhile, or taken by another sequencer, is not stored), all of
    them in three multi-row INSERTs (``_insert_many``).
    """
    waiting = list(
        Arrival.objects.order_by("pk").values_list(
            "pk",
            "created_at",
            "channel",
            "language",
            "declared_on",
            "people",
            "burst",
            "sealed_contact",
            "receipt_hash",
        )[:limit]
    )
    if not waiting:
        return 0
    decoded = []
    for pk, created_at, channel, language, declared_on, people, burst, sealed, receipt in waiting:
        if isinstance(people, str):  # SQLite through values_list on some versions
            people = json.loads(people)
        rows = _rows(people)
        submission = Submission(
            channel=channel,
            declared_on=declared_on,
            language=language,
            sealed_contact=bytes(sealed) if sealed is not None else None,
            receipt_hash=receipt,
        )
        keys = {(row[2], row[5], tuple(sorted(set(row[6])))) for row in rows if row[6]}
        fingerprints = {row[4] for row in rows if row[4]}
        decoded.append((pk, created_at, burst, submission, rows, keys, fingerprints))
    stored_keys, stored_prints = moderation.seen_recently(
        {key for *_rest, keys, _prints in decoded for key in keys},
        {fp for *_rest, prints in decoded for fp in prints},
    )
    duplicates: set[tuple] = set()
    prints: set[str] = set()
    moderated = []
    for pk, created_at, burst, submission, rows, keys, fingerprints in decoded:
        submission.flags = moderation.flags_for(
            [{"name": row[1], "statement": row[3]} for row in rows],
            rows=rows,
            burst=burst,
            seen=(
                bool(keys & (duplicates | stored_keys)),
                bool(fingerprints & (prints | stored_prints)),
            ),
            looked_up=True,
        )
        submission.status = Status.PENDING if submission.flags else Status.ACCEPTED
        duplicates |= keys
        prints |= fingerprints
        moderated.append((pk, (submission, rows, created_at)))
    with transaction.atomic():
        taken = _delete([pk for pk, _stored in moderated])
        batch = [stored for pk, stored in moderated if pk in taken]
        if batch:
            _insert_many(batch)
    return len(waiting)


def _delete(ids: list[int]) -> set[int]:
    """Delete the arrivals ``ids``; return those that were still there."""
    table = connection.ops.quote_name(Arrival._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN ({marks}) RETURNING id",  # noqa: S608 - our table
            ids,
        )
        return {row[0] for row in cursor.fetchall()}


def drain(limit: int = BATCH, stopping: Callable[[], bool] = lambda: False) -> int:
    """Moderate every waiting arrival, ``limit`` per transaction; return how many."""
    total = 0
    while not stopping() and (count := moderate_batch(limit)):
        total += count
    return total


def find(receipt_hash: str) -> Arrival | None:
    return Arrival.objects.filter(receipt_hash=receipt_hash).first()


def remove(arrival: Arrival) -> bool:
    """Removal through the receipt of a declaration still waiting: its row is deleted, with
    everything it held. False when the sequencer took it meanwhile (then the submission's
    removal applies)."""
    with transaction.atomic():
        deleted, _ = Arrival.objects.filter(pk=arrival.pk).delete()
        if deleted:
            transaction.on_commit(dbfiles.wipe_freed_pages)
    return bool(deleted)
