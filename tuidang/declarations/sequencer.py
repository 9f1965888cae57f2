"""The sequencer: the log's one writer.

``sequence_batch`` takes the people accepted since the last batch and, in ONE transaction,
gives each a salt, an entry and the next leaf index, appends the entries to the log
(``tuidang.transparency.append_entries``: entry bundles, hash tiles, the new tree size and
root) and adds the entries' facets to the tally counters. ``sign_checkpoint`` then signs that
tree head. A crash before the commit
loses nothing (the people are still accepted and waiting); a crash between the commit and the
signature leaves a tree with no checkpoint yet, which the next run signs. A checkpoint is only
ever made from ``LogState``, which is only ever written together with the tiles it describes.

Two sequencers never fork the log: both start by locking it (``transparency.lock``: a row
lock on PostgreSQL; on SQLite every transaction takes the database's write lock when it
begins), so the second waits and then sees the first one's work.

Nothing the log publishes may tell when a person connected (batches.py). ``log_batch`` runs
at a batch boundary and takes only the people accepted before it; within a batch the leaf
indexes follow a keyed hash of each person under a key drawn fresh for the batch and then
forgotten, never their id or arrival, so the order of the entries is a random permutation
that nobody, the operator included, can map back to arrival order afterwards.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections import Counter
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from tuidang import transparency
from tuidang.declarations.models import Person, Status, Submission, TallyCounter
from tuidang.ledger.entry import SALT_SIZE, Entry, counter_keys, encode_entry
from tuidang.transparency import batches
from tuidang.transparency.logstore import Checkpoint

log = logging.getLogger(__name__)

DEFAULT_BATCH = 10_000


def batch_key() -> bytes:
    """A fresh key for one batch's order; never stored, so the order cannot be replayed."""
    return os.urandom(32)


def _waiting(until: datetime):
    """Accepted people not yet in the log whose acceptance came at or before ``until``.

    Accepted is when a moderator accepted the submission, or when it arrived if it was
    accepted at once.
    """
    return (
        Person.objects.filter(leaf_index__isnull=True, submission__status=Status.ACCEPTED)
        .annotate(accepted_at=Coalesce("submission__moderated_at", "submission__created_at"))
        .filter(accepted_at__lte=until)
    )


def _in_batch_order(until: datetime, limit: int) -> list[int]:
    """Up to ``limit`` ids of the people waiting at ``until``, in the order of a keyed hash.

    Taking the first ``limit`` of a random order also makes the split of a large batch into
    transactions say nothing about arrival.
    """
    ids = list(_waiting(until).values_list("id", flat=True))
    key = batch_key()
    ids.sort(key=lambda pk: hmac.digest(key, pk.to_bytes(8, "big"), "sha256"))
    return ids[:limit]


def _id_list(ids: list[int]) -> tuple[str, list[int] | str]:
    """A SQL set of ``ids`` as one parameter: an array on PostgreSQL, JSON on SQLite (whose
    limit on parameters a batch of ten thousand would pass)."""
    if connection.vendor == "postgresql":
        return "ANY(%s)", list(ids)
    return "(SELECT value FROM json_each(%s))", json.dumps(ids)


def _pending(ids: list[int]) -> list[tuple]:
    """What the entries of the people ``ids`` need, in the order of ``ids``."""
    person = connection.ops.quote_name(Person._meta.db_table)
    submission = connection.ops.quote_name(Submission._meta.db_table)
    wanted, param = _id_list(ids)
    operator = "=" if connection.vendor == "postgresql" else "IN"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, p.name, p.statement, p.region, "  # noqa: S608 - our tables
            f"s.declared_on, s.channel FROM {person} p JOIN {submission} s "
            f"ON s.id = p.submission_id WHERE p.id {operator} {wanted}",
            [param],
        )
        people = {row[0]: row for row in cursor.fetchall()}
        through = Person.organisations.through
        slugs: dict[int, list[str]] = {}
        cursor.execute(
            f"SELECT t.person_id, o.slug FROM {connection.ops.quote_name(through._meta.db_table)} t "  # noqa: S608
            f"JOIN {connection.ops.quote_name('declarations_organisation')} o "
            f"ON o.id = t.organisation_id WHERE t.person_id {operator} {wanted}",
            [param],
        )
        for person_id, slug in cursor.fetchall():
            slugs.setdefault(person_id, []).append(slug)
    return [(*people[pk], slugs.get(pk, ())) for pk in ids]


def _assign_leaves(updates: list[tuple[int, bytes, int]]) -> None:
    """Store (leaf index, salt, person id) for each person of the batch.

    A removed statement keeps no salt, even one removed before it was logged or while this
    batch ran (on PostgreSQL the UPDATE sees the removal once it has committed).
    """
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the whole batch: ten thousand round trips cost more than the
            # rest of the batch together.
            leaves, salts, ids = zip(*updates, strict=True)
            cursor.execute(
                f"UPDATE {table} AS p SET leaf_index = v.leaf, "  # noqa: S608 - our table
                "salt = CASE WHEN p.removed_at IS NULL THEN v.salt ELSE NULL END "
                "FROM unnest(%s::bigint[], %s::bytea[], %s::bigint[]) AS v(leaf, salt, id) "
                "WHERE p.id = v.id",
                [list(leaves), list(salts), list(ids)],
            )
        else:
            # SQLite runs in this process: executemany is a tight loop with no round trips.
            cursor.executemany(
                f"UPDATE {table} SET leaf_index = %s, "  # noqa: S608 - our table
                "salt = CASE WHEN removed_at IS NULL THEN %s ELSE NULL END WHERE id = %s",
                updates,
            )


def _declared_on(value) -> date:
    # SQLite hands raw SQL dates back as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def sequence_batch(limit: int = DEFAULT_BATCH, until: datetime | None = None) -> int:
    """Append up to ``limit`` people accepted by ``until`` (default: now) to the log in one
    transaction, in the order of a keyed hash under a fresh key; return how many."""
    with transaction.atomic():
        transparency.lock()
        ids = _in_batch_order(until or timezone.now(), limit)
        if not ids:
            return 0
        people = _pending(ids)
        salts = os.urandom(SALT_SIZE * len(people))
        facets: Counter = Counter()
        encoded: list[bytes] = []
        salted = []
        for i, (person_id, name, statement, region, declared_on, channel, slugs) in enumerate(
            people
        ):
            salt = salts[i * SALT_SIZE : (i + 1) * SALT_SIZE]
            day = _declared_on(declared_on)
            organisations = tuple(sorted(slugs))
            region = region or "unknown"
            data = encode_entry(
                salt=salt,
                alias=name,
                statement=statement,
                organisations=organisations,
                region=region,
                date=day,
                channel=channel,
            )
            encoded.append(data)
            facets[(day, organisations, region, channel)] += 1
            salted.append((salt, person_id))
        first = transparency.append_entries(encoded)
        _assign_leaves([(first + i, salt, pk) for i, (salt, pk) in enumerate(salted)])
        # The counters are the entries' facets counted (tuidang.ledger.entry.counter_keys),
        # grouped first because a batch has few distinct facets.
        counts: Counter = Counter()
        for (day, organisations, region, channel), n in facets.items():
            for key in counter_keys(Entry(day, organisations, region, channel, bytes(32))):
                counts[key] += n
        TallyCounter.add(counts)
    return len(people)


def sign_checkpoint(batch_time: datetime | None = None) -> Checkpoint | None:
    """Sign the stored tree (``transparency.sign_checkpoint``), dated to the batch boundary at
    or before ``batch_time`` (default: now), never finer."""
    return transparency.sign_checkpoint(batches.boundary_at_or_before(batch_time or timezone.now()))


def log_batch(boundary: datetime, limit: int = DEFAULT_BATCH) -> int:
    """The batch at ``boundary``: log everyone accepted before it, unless too few are waiting
    (``batches.is_due``), and sign the checkpoint; return how many were logged."""
    # A tree committed but not signed before a crash is signed first.
    sign_checkpoint(boundary)
    waiting = _waiting(boundary).aggregate(people=Count("id"), oldest=Min("accepted_at"))
    if not batches.is_due(waiting["people"], waiting["oldest"], boundary):
        if waiting["people"]:
            log.info("%d waiting, fewer than a batch: carried over", waiting["people"])
        return 0
    total = 0
    while count := sequence_batch(limit, until=boundary):
        total += count
    sign_checkpoint(boundary)
    return total


def run_until_idle(limit: int = DEFAULT_BATCH) -> int:
    """Log everything accepted so far as one batch, now, and sign; return how many.

    For operators and tests (``sequencer --once``): it ignores the boundaries and the
    minimum batch, but its order is as shuffled as any batch's.
    """
    total = 0
    now = timezone.now()
    while count := sequence_batch(limit, until=now):
        total += count
    sign_checkpoint(now)
    return total
