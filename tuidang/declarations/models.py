"""Declarations: who quit which organisations, how the centre received it, and what became of it.

A ``Submission`` is what arrived in one go (a web form, an API call, a phone call, a letter);
it holds one to ten ``Person`` rows, a family declaring together. A submission is pending,
accepted or rejected; no row is ever deleted, but text is (removal for safety, retention:
see docs/privacy.md). Accepted people are appended to the transparency log by the sequencer
(``sequencer.py``), which counts them in ``TallyCounter`` rows in the same transaction, so
reading the tally never counts and every count is the log's.
"""

import hashlib
import re
import secrets
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tuidang.declarations import moderation, names, regions

# The moderation policy's vocabulary lives with the policy (moderation.py imports no model);
# the names stay importable from here.
Status = moderation.Status
Flag = moderation.Flag
RejectionReason = moderation.RejectionReason
fingerprint = moderation.fingerprint


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("Partner API")
    PHONE = "phone", _("Telephone")
    EMAIL = "email", _("E-mail")
    FAX = "fax", _("Fax")
    POST = "post", _("Letter")
    # Submitted by a helper for someone who agreed (in person, by phone or online): always
    # waits for a moderator, like everything staff enter beyond their quota.
    HELPER = "helper", _("Through a helper")


class Organisation(models.Model):
    """An organisation one can quit. Staff edit the list; ``slug`` is what the API uses."""

    slug = models.SlugField(max_length=32, unique=True)
    name_zh_hans = models.CharField(max_length=100)
    name_zh_hant = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        lang = get_language() or settings.LANGUAGE_CODE
        return {"zh-hans": self.name_zh_hans, "zh-hant": self.name_zh_hant}.get(lang, self.name_en)


class _ActiveOrganisations:
    """The active organisations by slug, read once per process and kept for ``TTL`` seconds.

    Every declaration names organisations, and staff change the three or four rows a few times
    a year: one query per form was a tenth of the intake's time. A save or delete clears the
    copy in the process that made it at once (and again when its transaction commits); other
    processes see the change within ``TTL``, like a form sent a few seconds before it.
    Rows read inside a transaction are kept only once it commits, so a rollback (a failed staff
    edit, every test) never leaves rows behind that the database does not have.
    """

    TTL = 10.0

    def __init__(self) -> None:
        self._rows: dict[str, Organisation] | None = None
        self._read_at = 0.0
        self._generation = 0
        self._lock = threading.Lock()

    def by_slug(self) -> dict[str, Organisation]:
        rows, read_at = self._rows, self._read_at
        if rows is not None and time.monotonic() - read_at < self.TTL:
            return rows
        generation, read_at = self._generation, time.monotonic()
        rows = {o.slug: o for o in Organisation.objects.filter(active=True)}

        def keep() -> None:
            with self._lock:
                if self._generation == generation:  # not cleared while we were reading
                    self._rows, self._read_at = rows, read_at

        transaction.on_commit(keep)
        return rows

    def clear(self, **_signal) -> None:
        with self._lock:
            self._generation += 1
            self._rows = None


active_organisations = _ActiveOrganisations()


def _organisation_changed(**_signal) -> None:
    active_organisations.clear()
    # A request in another thread may read the old rows before this transaction commits.
    transaction.on_commit(active_organisations.clear)


post_save.connect(_organisation_changed, sender=Organisation, dispatch_uid="organisations-cache")
post_delete.connect(_organisation_changed, sender=Organisation, dispatch_uid="organisations-cache")
# flush (between TransactionTestCase tests, after a restore) deletes rows without signals.
post_migrate.connect(active_organisations.clear, dispatch_uid="organisations-cache")


def normalise_name(name: str) -> str:
    """Aliases compared for duplicates: case, width, spacing and invisible characters folded."""
    return names.fold(name)


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def pending(self):
        return self.filter(status=Status.PENDING)

    def accepted(self):
        return self.filter(status=Status.ACCEPTED)

    def rejected(self):
        return self.filter(status=Status.REJECTED)

    def expired(self):
        """Pending submissions nobody reviewed within ``TUIDANG_RETENTION_DAYS``."""
        cutoff = timezone.now() - timedelta(days=settings.RETENTION_DAYS)
        return self.pending().filter(created_at__lt=cutoff)

    def purge_expired(self) -> Counter:
        """Retention: expire stale pending submissions, then strip every rejected submission
        of its names, statements, contact and notes. Counts (the tally's ``rejected:<reason>``
        counters), regions, organisations and flags stay. Returns what was done, as counts."""
        done: Counter = Counter()
        for submission in self.expired():
            if submission.reject(RejectionReason.EXPIRED):
                done["expired"] += 1
        with transaction.atomic():
            forgotten = forget(self.rejected())
        done.update({key: value for key, value in forgotten.items() if value})
        return done

    def submit(
        self,
        *,
        people: list[dict],
        declared_on,
        channel: str,
        language: str = "",
        contact: str = "",
        want_receipt: bool = False,
        client_key: str | None = None,
        entered_by=None,
    ) -> tuple["Submission", str | None]:
        """Take in one submission of validated people; return it and its receipt code (or None).

        Every way in (the form, the API, volunteer intake, CSV import) ends here, so all of
        them get the same moderation. Clean submissions are accepted at once (the sequencer
        logs and counts them); flagged ones wait in the moderator queue. What staff enter
        (``entered_by``) beyond their daily quota waits for a second person.
        """
        from tuidang.declarations import contacts

        rows = [
            (
                position,
                person["name"],
                normalise_name(person["name"]),
                person.get("statement", ""),
                fingerprint(person.get("statement", "")),
                person.get("region", ""),
                [organisation.pk for organisation in person["organisations"]],
            )
            for position, person in enumerate(people)
        ]
        # Every read of the moderation policy happens here, before the write transaction, so
        # the write lock (SQLite has one for the whole database) is held only for the inserts.
        flags = moderation.flags_for(people, client_key=client_key, rows=rows)
        sealed = contacts.seal(contact) if contact else None
        code = Submission.new_receipt_code() if want_receipt else None
        submission = Submission(
            channel=channel,
            declared_on=declared_on,
            language=language,
            entered_by=entered_by,
            sealed_contact=sealed,
            receipt_hash=Submission.hash_receipt(code) if code else None,
        )
        with transaction.atomic():
            if channel == Channel.HELPER or (
                entered_by is not None and moderation.over_staff_quota(entered_by, len(people))
            ):
                flags = moderation.with_staff_flag(flags)
            submission.flags = flags
            submission.status = Status.PENDING if flags else Status.ACCEPTED
            _insert(submission, rows)
        return submission, code


def _insert(submission: "Submission", rows: list[tuple], created_at=None) -> None:
    """Store ``submission`` and its people in three statements of plain SQL (the ORM's
    compilation of the same inserts was most of an API request's time). ``created_at`` is
    when it arrived (default: now)."""
    _insert_many([(submission, rows, created_at)])


# Rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
PEOPLE_PER_INSERT = 1000
LINKS_PER_INSERT = 5000


def _insert_many(batch: list[tuple["Submission", list[tuple], Any]]) -> None:
    """Store each ``(submission, people rows, created_at)`` of ``batch``: the submissions in
    one multi-row INSERT, all their people in one (per thousand), all the organisation links
    in one (per five thousand). The intake queue's sequencer stores a hundred at a time so;
    a request stores one, in the same three statements."""
    ops = connection.ops
    fields = Submission._meta
    flags_field, sealed_field = fields.get_field("flags"), fields.get_field("sealed_contact")
    now = timezone.now()
    values: list = []
    for submission, _rows, created_at in batch:
        submission.created_at = created_at or now
        sealed = submission.sealed_contact
        values += [
            submission.status,
            submission.channel,
            ops.adapt_datefield_value(submission.declared_on),
            ops.adapt_datetimefield_value(submission.created_at),
            submission.language,
            flags_field.get_db_prep_save(submission.flags, connection),
            submission.entered_by_id,
            None if sealed is None else sealed_field.get_db_prep_save(sealed, connection),
            submission.receipt_hash,
        ]
    with connection.cursor() as cursor:
        cursor.execute(_sql("submission", len(batch)), values)
        # RETURNING promises no order, but the ids are drawn in the order of the VALUES rows
        # (SQLite's next rowid, PostgreSQL's sequence, within one statement): ascending ids
        # are the submissions in order.
        for (submission, _rows, _at), (pk,) in zip(batch, sorted(cursor.fetchall()), strict=True):
            submission.pk = pk
            submission._state.adding = False
            submission._state.db = connection.alias
        people = [(submission.pk, row) for submission, rows, _at in batch for row in rows]
        ids: dict[tuple[int, int], int] = {}
        for start in range(0, len(people), PEOPLE_PER_INSERT):
            chunk = people[start : start + PEOPLE_PER_INSERT]
            values = []
            for submission_id, (position, name, name_key, statement, print_, region, _o) in chunk:
                values += [submission_id, position, name, name_key, statement, print_, region]
            cursor.execute(_sql("people", len(chunk)), values)
            # (submission, position) -> id: RETURNING gives rows in no set order.
            ids.update(((sid, position), pk) for sid, position, pk in cursor.fetchall())
        links = [
            value
            for submission_id, row in people
            for org in row[6]
            for value in (ids[submission_id, row[0]], org)
        ]
        for start in range(0, len(links), 2 * LINKS_PER_INSERT):
            pairs = links[start : start + 2 * LINKS_PER_INSERT]
            cursor.execute(_sql("links", len(pairs) // 2), pairs)


_STATEMENTS: dict[tuple, str] = {}


def _sql(kind: str, rows: int = 1) -> str:
    """The INSERT for ``kind`` with ``rows`` rows, made once per vendor and size (kept for
    the small sizes a request uses; a batch's large ones are cheap to write out again)."""
    key = (connection.vendor, kind, rows)
    sql = _STATEMENTS.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        if kind == "submission":
            columns = ["status", "channel", "declared_on", "created_at", "language", "flags"]
            columns += ["entered_by_id", "sealed_contact", "receipt_hash"]
            table = Submission._meta.db_table
            # The columns the model would fill with their defaults, written out.
            defaults = {"rejection_reason": "''", "rejection_note": "''"}
            names = [*columns, *defaults]
            row = f"({', '.join(['%s'] * len(columns) + list(defaults.values()))})"
            sql = (
                f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in names)}) "  # noqa: S608 - names from _meta
                f"VALUES {', '.join([row] * rows)} RETURNING {quote('id')}"
            )
        elif kind == "people":
            columns = ["submission_id", "position", "name", "name_key", "statement"]
            columns += ["statement_fingerprint", "region"]
            row = f"({', '.join(['%s'] * len(columns))})"
            sql = (
                f"INSERT INTO {quote(Person._meta.db_table)} "  # noqa: S608 - names from _meta
                f"({', '.join(quote(c) for c in columns)}) VALUES {', '.join([row] * rows)} "
                f"RETURNING {quote('submission_id')}, {quote('position')}, {quote('id')}"
            )
        else:
            table = Person.organisations.through._meta.db_table
            sql = (
                f"INSERT INTO {quote(table)} ({quote('person_id')}, {quote('organisation_id')}) "  # noqa: S608 - names from _meta
                f"VALUES {', '.join(['(%s, %s)'] * rows)}"
            )
        if rows <= 20:
            _STATEMENTS[key] = sql
    return sql


class SelfApproval(Exception):
    """Someone tried to accept a submission they entered themselves."""

    def __init__(self, submission: "Submission"):
        super().__init__(f"submission #{submission.pk} needs a second person to accept it")
        self.submission = submission


class Submission(models.Model):
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    declared_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    language = models.CharField(max_length=8, blank=True)
    flags = models.JSONField(default=list, blank=True)
    rejection_reason = models.CharField(max_length=16, choices=RejectionReason.choices, blank=True)
    rejection_note = models.TextField(blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    # Staff member who typed it in (phone, e-mail, fax, letter, CSV); empty for web and API.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Contact details sealed to the centre's public key (libsodium sealed box) on arrival.
    sealed_contact = models.BinaryField(null=True, blank=True)
    # SHA-256 of the receipt code; the code itself is shown once and never stored.
    receipt_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    removal_requested_at = models.DateTimeField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "declared_on"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_channel_display()} {self.declared_on}"

    def get_flags_display(self) -> list[str]:
        labels = dict(Flag.choices)
        return [str(labels.get(flag, flag)) for flag in self.flags]

    @property
    def needs_second_person(self) -> bool:
        return Flag.STAFF_ENTERED in self.flags

    def may_be_accepted_by(self, user) -> bool:
        """Four eyes: whoever entered a submission never accepts it, whatever their role."""
        return not (self.entered_by_id and user is not None and user.pk == self.entered_by_id)

    @transaction.atomic
    def accept(self, by=None) -> bool:
        """Accept a pending submission; the sequencer logs and counts its people. False if it
        was not pending. Raises ``SelfApproval`` when ``by`` entered it, and when nobody is
        named for one that waits for a second person."""
        locked = Submission.objects.select_for_update().get(pk=self.pk)
        if locked.status != Status.PENDING:
            return False
        if not locked.may_be_accepted_by(by) or (by is None and locked.needs_second_person):
            raise SelfApproval(locked)
        locked.status = Status.ACCEPTED
        locked.moderated_by = by
        locked.moderated_at = timezone.now() if by else None
        locked.save(update_fields=["status", "moderated_by", "moderated_at"])
        self.refresh_from_db()
        return True

    @transaction.atomic
    def reject(self, reason: str, by=None, note: str = "") -> bool:
        """Reject a pending submission, keeping it and its reason; the sequencer logs one rejection
        entry per person (day and reason only) and counts it. False if it was not pending."""
        locked = Submission.objects.select_for_update().get(pk=self.pk)
        if locked.status != Status.PENDING:
            return False
        locked.status = Status.REJECTED
        locked.rejection_reason = reason
        locked.rejection_note = note
        locked.moderated_by = by
        locked.moderated_at = timezone.now()
        locked.save()
        # Counted when the sequencer logs the rejection entries (one per person), like
        # everything else the tally publishes: never at the moment of the moderator's click.
        self.refresh_from_db()
        return True

    @transaction.atomic
    def remove_statements(self) -> Counter:
        """Removal for safety: delete everything that ties this submission to a person (names,
        statements, the salt that opens their log entries' commitments, the sealed contact,
        the receipt hash, moderators' notes, linked calls' numbers, notes and link) and keep
        only what is counted: the log entries, the tally, regions and organisations.

        The receipt code stops working: on a seized phone it no longer proves anything. The
        rows' old bytes are wiped from the SQLite files once the transaction commits
        (``secure_delete`` and a WAL checkpoint, see ``tuidang.dbfiles``). Returns counts.
        """
        submissions = Submission.objects.filter(pk=self.pk)
        done = forget(submissions)
        submissions.update(receipt_hash=None)
        submissions.filter(removal_requested_at__isnull=True).update(removal_requested_at=today())
        self.refresh_from_db()
        return done

    @staticmethod
    def new_receipt_code() -> str:
        """A long random code in groups of five, easy to copy from a phone screen."""
        raw = secrets.token_hex(15).upper()  # 120 bits
        return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))

    @staticmethod
    def hash_receipt(code: str) -> str:
        cleaned = re.sub(r"[^0-9A-Fa-f]", "", code).upper()
        return hashlib.sha256(cleaned.encode()).hexdigest()


class PersonQuerySet(models.QuerySet["Person"]):
    def published(self):
        """People whose statements are on the public lists: accepted, in the log, not removed."""
        return self.filter(
            submission__status=Status.ACCEPTED, removed_at__isnull=True, leaf_index__isnull=False
        )


class Person(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="people")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=settings.NAME_MAX_LENGTH)
    name_key = models.CharField(max_length=settings.NAME_MAX_LENGTH * 2, db_index=True)
    organisations = models.ManyToManyField(Organisation, related_name="+")
    statement = models.TextField(blank=True)
    statement_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    region = models.CharField(max_length=8, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Set by the sequencer when the person's entry is appended to the transparency log.
    # For a rejected person, the leaf index of the rejection entry.
    leaf_index = models.BigIntegerField(unique=True, null=True, blank=True)
    # Opens the entry's commitment while the statement is published; deleted on removal.
    salt = models.BinaryField(max_length=32, null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["submission_id", "position"]

    def __str__(self):
        return self.name or "—"

    @property
    def region_name(self) -> str:
        return regions.name(self.region) if self.region else ""


def today():
    """Midnight UTC of today: when text was removed is kept to the day, since the second
    would time a declarant's visit to the receipt page."""
    return timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)


# Sent by ``forget`` inside its transaction: an app that keeps something tied to submissions
# (the hotline's calls) forgets it too and answers with a Counter of what it changed.
forgetting = Signal()


def forget(submissions) -> Counter:
    """Delete the text and contact of ``submissions`` (a queryset), keeping what is counted.

    Person rows keep their organisations, region and log entry; the submission keeps its
    status, reasons, flags and channel. Calls linked to them lose the sealed caller number,
    the notes and the link itself (a call's time against phone records would name the
    caller). Only rows that still hold something are written. Returns counts per kind.
    """
    from tuidang import dbfiles

    done: Counter = Counter()
    done["people"] = Person.objects.filter(
        submission__in=submissions, removed_at__isnull=True
    ).update(
        name="", name_key="", statement="", statement_fingerprint="", salt=None, removed_at=today()
    )
    done["contacts"] = submissions.filter(sealed_contact__isnull=False).update(sealed_contact=None)
    done["notes"] = submissions.exclude(rejection_note="").update(rejection_note="")
    for _receiver, counts in forgetting.send(Submission, submissions=submissions):
        done.update(counts)
    if any(done.values()):
        transaction.on_commit(dbfiles.wipe_freed_pages)
    return done


def tally_counts(submission: Submission, people) -> Counter:
    """The counter increments for accepting stored ``people`` of ``submission``."""
    return tally_counts_for(
        submission,
        [{"organisations": p.organisations.all(), "region": p.region} for p in people],
    )


def tally_counts_for(submission: Submission, people: list[dict]) -> Counter:
    """The counter increments for accepting ``people`` (dicts with organisations and region)."""
    counts: Counter = Counter()
    day = submission.declared_on
    for person in people:
        counts["total"] += 1
        counts[f"day:{day.isoformat()}"] += 1
        counts[f"month:{day.strftime('%Y-%m')}"] += 1
        counts[f"channel:{submission.channel}"] += 1
        for organisation in person["organisations"]:
            counts[f"org:{organisation.slug}"] += 1
        region = person.get("region", "")
        if not region:
            counts["region:unknown"] += 1
        elif regions.is_province(region):
            counts[f"region:{region}"] += 1
        else:
            counts["region:abroad"] += 1
            counts[f"country:{region}"] += 1
    return counts


class TallyCounter(models.Model):
    """One published number: ``total``, ``org:party``, ``region:CN-SX``, ``day:2026-11-23``…

    Updated only by ``add``, inside the transaction that changes what it counts.
    """

    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.key}={self.value}"

    @classmethod
    def add(cls, counts: Counter) -> None:
        if not counts:
            return
        table = connection.ops.quote_name(cls._meta.db_table)
        # One upsert statement per key; both SQLite and PostgreSQL speak ON CONFLICT.
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (key, value) VALUES (%s, %s) "  # noqa: S608 - table name is ours
                f"ON CONFLICT (key) DO UPDATE SET value = {table}.value + excluded.value",
                sorted(counts.items()),
            )

    @classmethod
    def snapshot(cls, prefix: str = "") -> dict[str, int]:
        rows = cls.objects.all()
        if prefix:
            rows = rows.filter(key__startswith=prefix)
        return dict(rows.values_list("key", "value"))


class Arrival(models.Model):
    """A submission as it arrived through the intake queue, not yet moderated (``arrivals.py``).

    It holds what the submission will hold and nothing more: the people's aliases, statements,
    regions and organisation ids (``people``, a JSON list), the sealed contact, the receipt
    hash, and whether its source sent a burst (the count is kept where the request counts
    bursts; the hashed source itself is not stored). The sequencer deletes the row in the
    transaction that stores the submission, so a row only lives until the next batch.
    """

    created_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=8, blank=True)
    declared_on = models.DateField()
    people = models.JSONField()
    burst = models.BooleanField(default=False)
    sealed_contact = models.BinaryField(null=True, blank=True)
    receipt_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    def __str__(self):
        return f"arrival #{self.pk}"
