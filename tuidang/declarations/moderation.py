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


def flags_for(people: list[dict], *, client_key: str | None = None) -> list[str]:
    """Reasons to hold these people for review; empty when they look clean.

    ``people`` are cleaned form data: ``name``, ``organisations`` (Organisation rows),
    ``statement`` and ``region``. ``client_key`` is the hashed source of a public
    submission; staff-entered ones have none and are never flagged as bursts.
    """
    flags: list[str] = []
    duplicate, similar_text = _duplicate_and_similar_text(people)
    if duplicate:
        flags.append(Flag.DUPLICATE)
    if similar_text:
        flags.append(Flag.SIMILAR_TEXT)
    texts = " ".join(f"{p['name']} {p.get('statement', '')}" for p in people)
    if LINK.search(texts):
        flags.append(Flag.LINK)
    lowered = texts.casefold()
    if any(word in lowered for word in settings.SPAM_WORDS):
        flags.append(Flag.SPAM_WORD)
    if client_key and settings.RATE_LIMITS:
        seen = ratelimit.hit("burst", client_key, BURST_WINDOW_SECONDS)
        if seen > settings.BURST_THRESHOLD:
            flags.append(Flag.BURST)
    if not flags and not settings.AUTO_ACCEPT:
        flags.append(Flag.MANUAL_REVIEW)
    return [str(flag) for flag in flags]


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


def _duplicate_and_similar_text(people: list[dict]) -> tuple[bool, bool]:
    """Whether a recent pending or accepted person has the same alias, region and exact set
    of organisations as one of ``people`` (a likely duplicate), and whether one has the same
    statement fingerprint (near-identical text).

    One statement for the whole submission, written as SQL: the ORM's compilation of the
    per-person queries this replaced was a third of an API request's time.
    """
    Person = _model("Person")
    person = Person._meta.db_table
    submission = _model("Submission")._meta.db_table
    link = Person.organisations.through._meta.db_table
    since = connection.ops.adapt_datetimefield_value(
        timezone.now() - timedelta(days=settings.DUPLICATE_WINDOW_DAYS)
    )
    recent = "s.created_at >= %s AND s.status IN (%s, %s)"
    recent_params = [since, Status.PENDING.value, Status.ACCEPTED.value]

    # Same alias and region, and the candidate's organisations are exactly the wanted ones:
    # as many links as wanted, and all of them among the wanted.
    wanted = sorted(
        {
            (fold(p["name"]), p.get("region", ""), tuple(sorted({o.pk for o in orgs})))
            for p in people
            if (orgs := p["organisations"])
        }
    )
    matches, match_params = [], []
    for name_key, region, organisation_ids in wanted:
        marks = ", ".join(["%s"] * len(organisation_ids))
        matches.append(
            "(p.name_key = %s AND p.region = %s AND count(*) = %s "
            f"AND sum(CASE WHEN l.organisation_id IN ({marks}) THEN 1 ELSE 0 END) = %s)"
        )
        size = len(organisation_ids)
        match_params += [name_key, region, size, *organisation_ids, size]
    params: list = []
    duplicate = "1 = 0"
    if wanted:
        names = sorted({name_key for name_key, *_rest in wanted})
        duplicate = (
            f"EXISTS (SELECT 1 FROM {person} p JOIN {submission} s ON s.id = p.submission_id "  # noqa: S608 - table names from _meta, values as parameters
            f"JOIN {link} l ON l.person_id = p.id "
            f"WHERE {recent} AND p.name_key IN ({', '.join(['%s'] * len(names))}) "
            f"GROUP BY p.id, p.name_key, p.region HAVING {' OR '.join(matches)})"
        )
        params += [*recent_params, *names, *match_params]

    prints = sorted({fp for p in people if (fp := fingerprint(p.get("statement", "")))})
    if prints:
        similar = (
            f"EXISTS (SELECT 1 FROM {person} p JOIN {submission} s ON s.id = p.submission_id "  # noqa: S608 - as above
            f"WHERE {recent} AND p.statement_fingerprint IN ({', '.join(['%s'] * len(prints))}))"
        )
        params += [*recent_params, *prints]
    else:
        similar = "1 = 0"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {duplicate}, {similar}", params)
        found_duplicate, found_similar = cursor.fetchone()
    return bool(found_duplicate), bool(found_similar)
