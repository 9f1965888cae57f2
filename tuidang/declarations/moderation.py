"""The moderation policy: which submissions are accepted at once and which wait for a person.

A submission is flagged (and so queued) when it looks like a duplicate of a recent one, when it
arrives in a burst from one source, or when it carries links or spam words. Everything else is
accepted on arrival when ``TUIDANG_AUTO_ACCEPT`` is on. The thresholds are settings documented
in README.md; ``TUIDANG_RATE_LIMITS=off`` turns burst flagging off with all other throttling.

Staff-entered submissions follow four eyes: beyond ``TUIDANG_STAFF_DAILY_QUOTA`` people a day
per account (0 by default, so all of them) they wait until another person accepts them. A
planted volunteer can then add to the count only what a colleague has looked at.

The policy's vocabulary lives here too: a submission's ``Status``, the ``Flag`` that holds it
and the ``RejectionReason`` (``models.py`` imports them from here). This module imports no
model: ``Submission.objects.submit`` applies the policy, so models.py imports this module.
"""

import hashlib
import re
import unicodedata
from datetime import datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuidang import ratelimit
from tuidang.declarations.names import fold


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Flag(models.TextChoices):
    """Why the moderation policy held a submission for a person to look at."""

    DUPLICATE = "duplicate", _("Likely duplicate (same alias, region and organisations)")
    SIMILAR_TEXT = "similar_text", _("Statement nearly identical to another")
    BURST = "burst", _("Many submissions from one source in a short time")
    LINK = "link", _("Contains a link")
    SPAM_WORD = "spam_word", _("Contains a spam word")
    MANUAL_REVIEW = "manual_review", _("Automatic acceptance is off")
    STAFF_ENTERED = "staff_entered", _("Entered by staff: a second person must accept it")


class RejectionReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Abuse or threat")
    NOT_A_DECLARATION = "not_declaration", _("Not a declaration")
    TEST = "test", _("Test entry")
    OTHER = "other", _("Other")
    # Set only by housekeeping: nobody reviewed it within TUIDANG_RETENTION_DAYS (docs/privacy.md).
    EXPIRED = "expired", _("Not reviewed in time")


def fingerprint(text: str) -> str:
    """A hash of a statement with case, width, spacing and punctuation folded, so that
    copies that differ only in those match ("near-identical" text). Empty for short texts,
    which are too common to mean anything."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())
    if len(folded) < 12:
        return ""
    return hashlib.sha256(folded.encode()).hexdigest()


def _model(name: str) -> Any:
    """A declarations model, looked up when the policy runs: ``models.py`` imports this module
    (``Submission.objects.submit`` applies the policy), so this one does not import it back."""
    return apps.get_model("declarations", name)


LINK = re.compile(r"(https?://|www\.|\b[\w-]+\.(com|net|org|info|xyz|top|cn|ru|io|me)\b)", re.I)
BURST_WINDOW_SECONDS = 600


def flags_for(
    people: list[dict],
    *,
    client_key: str | None = None,
    rows: list[tuple] | None = None,
    burst: bool | None = None,
    seen: tuple[bool, bool] = (False, False),
    looked_up: bool = False,
) -> list[str]:
    """Reasons to hold these people for review; empty when they look clean.

    ``people`` are cleaned form data: ``name``, ``organisations`` (Organisation rows),
    ``statement`` and ``region``. ``client_key`` is the hashed source of a public
    submission; staff-entered ones have none and are never flagged as bursts. ``rows`` are
    the same people as ``Submission.objects.submit`` stores them, name keys and fingerprints
    already computed. The intake queue counts bursts when the request arrives and passes
    the outcome as ``burst``; ``seen`` is (duplicate, near-identical text) among the
    submissions of its batch that the database does not hold yet; with ``looked_up`` it also
    holds what the database held (``seen_recently`` answered for the whole batch), and the
    database is not asked again.
    """
    flags: list[str] = []
    duplicate, similar_text = (
        (False, False)
        if looked_up
        else _duplicate_and_similar_text(
            [
                (
                    fold(p["name"]),
                    p.get("region", ""),
                    sorted({o.pk for o in p["organisations"]}),
                    fingerprint(p.get("statement", "")),
                )
                for p in people
            ]
            if rows is None
            else [(row[2], row[5], sorted(set(row[6])), row[4]) for row in rows]
        )
    )
    if duplicate or seen[0]:
        flags.append(Flag.DUPLICATE)
    if similar_text or seen[1]:
        flags.append(Flag.SIMILAR_TEXT)
    texts = " ".join(f"{p['name']} {p.get('statement', '')}" for p in people)
    if LINK.search(texts):
        flags.append(Flag.LINK)
    lowered = texts.casefold()
    if any(word in lowered for word in settings.SPAM_WORDS):
        flags.append(Flag.SPAM_WORD)
    if burst is None:
        burst = is_burst(client_key)
    if burst:
        flags.append(Flag.BURST)
    if not flags and not settings.AUTO_ACCEPT:
        flags.append(Flag.MANUAL_REVIEW)
    return [str(flag) for flag in flags]


def is_burst(client_key: str | None) -> bool:
    """Count one submission from ``client_key`` (the hashed source of a public submission);
    whether its source has now sent more than ``TUIDANG_BURST_THRESHOLD`` in ten minutes."""
    if not client_key or not settings.RATE_LIMITS:
        return False
    return ratelimit.hit("burst", client_key, BURST_WINDOW_SECONDS) > settings.BURST_THRESHOLD


def over_staff_quota(entered_by, people: int) -> bool:
    """Whether ``people`` more entered by ``entered_by`` today would exceed the daily quota.

    Call inside the transaction that stores them. The account's row is locked first, so two
    imports by one account at once are counted one after the other, never both under quota.
    """
    from django.contrib.auth import get_user_model

    quota = settings.STAFF_DAILY_QUOTA
    if quota <= 0:
        return True
    list(get_user_model().objects.select_for_update().filter(pk=entered_by.pk).values("pk"))
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    entered_today = (
        _model("Person")
        .objects.filter(submission__entered_by=entered_by, submission__created_at__gte=start)
        .count()
    )
    return entered_today + people > quota


def with_staff_flag(flags: list[str]) -> list[str]:
    """``flags`` plus the four-eyes flag; "automatic acceptance is off" says nothing more."""
    return [f for f in flags if f != Flag.MANUAL_REVIEW] + [str(Flag.STAFF_ENTERED)]


def _duplicate_and_similar_text(people: list[tuple]) -> tuple[bool, bool]:
    """Whether a recent pending or accepted person has the same alias, region and exact set
    of organisations as one of ``people`` (a likely duplicate), and whether one has the same
    statement fingerprint (near-identical text). ``people`` are ``(name key, region, sorted
    organisation ids, statement fingerprint)``.

    One statement for the whole submission, written as SQL (the ORM's compilation of the
    per-person queries this replaced was a third of an API request's time), ``duplicate_sql``.
    """
    sql, params = duplicate_sql(people)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found_duplicate, found_similar = cursor.fetchone()
    return bool(found_duplicate), bool(found_similar)


def duplicate_sql(people: list[tuple], since=None, on=None) -> tuple[str, list]:
    """The SQL of ``_duplicate_and_similar_text`` and its parameters.

    One ``EXISTS`` per wanted person and one per fingerprint, each starting from an equality
    on an indexed column of the person table (``name_key``, ``statement_fingerprint``), so
    the planner looks each up in its index whatever the table's size: with ``IN (...)`` over
    two or more fingerprints SQLite chose to walk every recent submission instead
    (``tests/declarations/test_moderation_plan.py`` checks the plans with a million people).
    ``on`` is the database connection (Django's default one unless given).
    """
    on = on or connection
    person, submission, link = _tables()
    recent, recent_params = _recent(on, since)

    # Same alias and region, and the candidate's organisations are exactly the wanted ones:
    # as many links as wanted, and all of them among the wanted.
    wanted = sorted(
        {(name_key, region, tuple(orgs)) for name_key, region, orgs, _fp in people if orgs}
    )
    duplicates, params = [], []
    for name_key, region, organisation_ids in wanted:
        marks = ", ".join(["%s"] * len(organisation_ids))
        duplicates.append(
            f"EXISTS (SELECT 1 FROM {person} p JOIN {submission} s ON s.id = p.submission_id "  # noqa: S608 - table names from _meta, values as parameters
            f"JOIN {link} l ON l.person_id = p.id "
            f"WHERE p.name_key = %s AND p.region = %s AND {recent} GROUP BY p.id "
            "HAVING count(*) = %s "
            f"AND sum(CASE WHEN l.organisation_id IN ({marks}) THEN 1 ELSE 0 END) = %s)"
        )
        size = len(organisation_ids)
        params += [name_key, region, *recent_params, size, *organisation_ids, size]
    prints = sorted({fp for *_rest, fp in people if fp})
    similar = []
    for statement_fingerprint in prints:
        similar.append(
            f"EXISTS (SELECT 1 FROM {person} p JOIN {submission} s ON s.id = p.submission_id "  # noqa: S608 - as above
            f"WHERE p.statement_fingerprint = %s AND {recent})"
        )
        params += [statement_fingerprint, *recent_params]
    duplicate = " OR ".join(duplicates) or "1 = 0"
    similar_text = " OR ".join(similar) or "1 = 0"
    return f"SELECT {duplicate}, {similar_text}", params


def _tables() -> tuple[str, str, str]:
    Person = _model("Person")
    return (
        Person._meta.db_table,
        _model("Submission")._meta.db_table,
        Person.organisations.through._meta.db_table,
    )


def _recent(on, since=None) -> tuple[str, list]:
    """What "recent" means to the duplicate rules, as SQL on the submission ``s``: pending or
    accepted, and stored within ``TUIDANG_DUPLICATE_WINDOW_DAYS``."""
    if since is None:
        since = timezone.now() - timedelta(days=settings.DUPLICATE_WINDOW_DAYS)
    since = on.ops.adapt_datetimefield_value(since)
    return "s.created_at >= %s AND s.status IN (%s, %s)", [
        since,
        Status.PENDING.value,
        Status.ACCEPTED.value,
    ]


# Wanted keys per statement of ``seen_recently_sql``: far below SQLite's and PostgreSQL's limits
# on parameters, and a batch of the intake queue (100 submissions) usually fits in one.
SEEN_CHUNK = 500


def seen_recently(
    wanted: set[tuple[str, str, tuple[int, ...]]], prints: set[str], on=None
) -> tuple[set[tuple], set[str]]:
    """The moderation reads of a whole batch of submissions, in two statements (or a few for
    a very large batch) instead of one per submission: which of ``wanted`` (name key, region,
    sorted organisation ids) a recent pending or accepted person has exactly (a likely
    duplicate), and which of ``prints`` (statement fingerprints) a recent person's statement
    has (near-identical text). The same rules as ``duplicate_sql``, answered per key.
    """
    on = on or connection
    found: set[tuple] = set()
    similar: set[str] = set()
    names = sorted({(name_key, region) for name_key, region, _orgs in wanted})
    for start in range(0, len(names), SEEN_CHUNK):
        sql, params = seen_recently_sql(names[start : start + SEEN_CHUNK], [], on=on)
        candidates: dict[int, tuple[str, str, set[int]]] = {}
        with on.cursor() as cursor:
            cursor.execute(sql, params)
            for person_id, name_key, region, organisation_id in cursor.fetchall():
                candidates.setdefault(person_id, (name_key, region, set()))[2].add(organisation_id)
        # The exact set of organisations, as duplicate_sql's HAVING asks.
        found |= {
            (name_key, region, tuple(sorted(orgs)))
            for name_key, region, orgs in candidates.values()
        }
    ordered = sorted(prints)
    for start in range(0, len(ordered), SEEN_CHUNK):
        sql, params = seen_recently_sql([], ordered[start : start + SEEN_CHUNK], on=on)
        with on.cursor() as cursor:
            cursor.execute(sql, params)
            similar |= {row[0] for row in cursor.fetchall()}
    return found & wanted, similar


def seen_recently_sql(names: list[tuple[str, str]], prints: list[str], on=None) -> tuple[str, list]:
    """The SQL of ``seen_recently``: for ``names`` (name key, region) the recent candidates'
    people and organisations, or for ``prints`` the fingerprints a recent person has.

    The wanted values are a ``VALUES`` list joined to the person table on its indexed column,
    so each is one index lookup whatever the table's size (the plans are checked in
    ``tests/declarations/test_moderation_plan.py``), like the ``EXISTS`` of ``duplicate_sql``.
    """
    on = on or connection
    person, submission, link = _tables()
    recent, recent_params = _recent(on)
    if names:
        rows = ", ".join(["(%s, %s)"] * len(names))
        return (
            f"WITH w (name_key, region) AS (VALUES {rows}) "  # noqa: S608 - table names from _meta, values as parameters
            f"SELECT p.id, p.name_key, p.region, l.organisation_id FROM w "
            f"JOIN {person} p ON p.name_key = w.name_key AND p.region = w.region "
            f"JOIN {submission} s ON s.id = p.submission_id "
            f"JOIN {link} l ON l.person_id = p.id WHERE {recent}",
            [value for pair in names for value in pair] + recent_params,
        )
    rows = ", ".join(["(%s)"] * len(prints))
    return (
        f"WITH w (fingerprint) AS (VALUES {rows}) SELECT w.fingerprint FROM w "  # noqa: S608 - as above
        f"WHERE EXISTS (SELECT 1 FROM {person} p JOIN {submission} s ON s.id = p.submission_id "
        f"WHERE p.statement_fingerprint = w.fingerprint AND {recent})",
        [*prints, *recent_params],
    )
