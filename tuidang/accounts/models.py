"""Staff accounts are Django users; roles are groups; every staff action leaves an AuditEvent.

The audit log is a hash chain: each event carries a sequence number and
``hash = SHA-256(previous hash (32 bytes) || canonical JSON of the event)``, the first event
chaining from 32 zero bytes. ``AuditChainHead`` (one row) holds the last sequence number and
hash; appending locks it, so concurrent writers queue behind one another and never fork the
chain. Editing, deleting or reordering a stored event breaks a link that ``tuidang audit
verify`` reports; an export kept off the server (``tuidang audit export``) shows even a
chain rebuilt from scratch by someone who controls the database.
"""

import getpass
import hashlib
import json
from datetime import UTC, datetime

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tuidang import numbers
from tuidang.accounts.actions import (
    DETAIL_LABELS,
    ID_KEYS,
    OBJECT_LABELS,
    VALUE_LABELS,
    action_label,
)

# Roles are Django groups of these names (made by a data migration). Later issues add more.
VOLUNTEER = "volunteer"
MODERATOR = "moderator"
ADMIN = "admin"
# Helps people quit in person, by phone or online and submits for those who agreed: the
# helper page only (no call log, no queue, no audit log); everything waits for a moderator.
HELPER = "helper"
# The cases app (issue 10): researchers document persecution, caseworkers help people at risk.
RESEARCHER = "researcher"
CASEWORKER = "caseworker"
# Writes and publishes news in the Wagtail admin (tuidang/newsroom; group made by its migration).
EDITOR = "editor"
ROLES = (VOLUNTEER, MODERATOR, ADMIN, HELPER, RESEARCHER, CASEWORKER, EDITOR)


GENESIS_HASH = "0" * 64


def command_line_detail(command: str = "") -> dict:
    """How an action taken on the server's terminal is attributed: no staff account is
    logged in there, so the event names the command line, the command (``housekeeping`` for
    ``tuidang housekeeping``) and the local account that ran it."""
    try:
        operator = getpass.getuser()
    except (OSError, KeyError):
        operator = ""
    return {
        "via": "command line",
        **({"command": command} if command else {}),
        "operator": operator,
    }


def canonical_event(
    *, seq: int, at, actor_id, action: str, object_type: str, object_id: str, detail
) -> bytes:
    """The bytes an event's hash covers: its fields as JSON with sorted keys, no spaces,
    ASCII only, the time in UTC to the microsecond. ``tuidang audit export`` writes these
    fields, so anyone can recompute a chain from an export alone."""
    fields = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()


class AuditChainHead(models.Model):
    """The last link of the audit chain: one row, locked by every append."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self):
        return f"{self.seq} {self.hash}"

    @classmethod
    def current(cls) -> "AuditChainHead":
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class AuditEvent(models.Model):
    """Who did what to which object, and when. Written in the same transaction as the action,
    as the next link of the audit chain."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(gettext_lazy("action"), max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    seq = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.object_type}#{self.object_id}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def actor_display(self) -> str:
        """The account that acted or, from the terminal, the command line, the command and
        the local user: "command line: tuidang housekeeping (operator root)"."""
        if self.actor is not None:
            return self.actor.get_username()
        command = str(self.detail.get("command", ""))
        if not command and self.action.startswith("housekeeping."):
            command = "housekeeping"  # events recorded before the command was named
        if not self.detail.get("via") and not command:
            return ""
        if command and not command.startswith("tuidang "):
            command = f"tuidang {command}"
        operator = str(self.detail.get("operator") or self.detail.get("os_user") or "")
        values = {"command": command, "operator": operator}
        if command and operator:
            return _("command line: %(command)s (operator %(operator)s)") % values
        if command:
            return _("command line: %(command)s") % values
        if operator:
            return _("command line (operator %(operator)s)") % values
        return str(_("command line"))

    @property
    def object_display(self) -> str:
        """The object as "Submission #12" (its model's name in the reader's language)."""
        if not self.object_type:
            return ""
        name = OBJECT_LABELS.get(self.object_type)
        if name is None:
            try:
                name = apps.get_model(self.object_type)._meta.verbose_name
            except (LookupError, ValueError):
                name = self.object_type
        return f"{capfirst(str(name))} #{self.object_id}"

    def canonical(self) -> bytes:
        return canonical_event(
            seq=self.seq,
            at=self.at,
            actor_id=self.actor_id,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            detail=self.detail,
        )

    def computed_hash(self) -> str:
        return chain_hash(self.prev_hash, self.canonical())

    @property
    def detail_display(self) -> list[tuple[str, str]]:
        """The detail as (label, text) pairs in the reader's language: lists and filters as
        words, choices by their labels, counts grouped, row numbers as "#12". What names the
        command line is in ``actor_display`` instead."""
        return [
            (str(DETAIL_LABELS.get(key, key)), _detail_text(self.action, key, value))
            for key, value in sorted(self.detail.items())
            if key not in ("via", "command", "operator", "os_user")
        ]

    @classmethod
    def record(cls, actor, action: str, obj=None, **detail) -> "AuditEvent":
        """Record one staff action. ``detail`` must never hold a client address or agent.

        Appends to the chain inside the caller's transaction (or its own): the event commits
        or rolls back with the action it records.
        """
        # Stored as the JSON it will be read back as, so the hash covers what is kept.
        detail = json.loads(json.dumps(detail, cls=DjangoJSONEncoder))
        with transaction.atomic():
            head = _lock_chain_head()
            event = cls(
                actor=actor if getattr(actor, "pk", None) else None,
                at=timezone.now(),
                action=action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                detail=detail,
                seq=head.seq,
                prev_hash=head.hash,
            )
            event.hash = event.computed_hash()
            event.save(force_insert=True)
            AuditChainHead.objects.filter(pk=1).update(hash=event.hash)
        return event


def _lock_chain_head() -> AuditChainHead:
    """Take the next sequence number, holding the head's row lock until the transaction ends.

    The UPDATE comes first, so it is what waits for a concurrent appender (a row lock on
    PostgreSQL; SQLite's IMMEDIATE transactions already hold the database's write lock), and
    the row read after it is the one the other appender committed. On return ``seq`` is the
    new event's number and ``hash`` still the previous event's.
    """
    if not AuditChainHead.objects.filter(pk=1).update(seq=F("seq") + 1):
        # No head yet: a database emptied by a test's flush. Start from what is stored.
        last = AuditEvent.objects.order_by("-seq").first()
        try:
            with transaction.atomic():
                AuditChainHead.objects.create(
                    pk=1, seq=last.seq if last else 0, hash=last.hash if last else GENESIS_HASH
                )
        except IntegrityError:
            pass  # another appender made it first
        AuditChainHead.objects.filter(pk=1).update(seq=F("seq") + 1)
    return AuditChainHead.objects.get(pk=1)


def _detail_text(action: str, key: str, value) -> str:
    """One detail value as words (never a Python repr such as "['link']" or "None")."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return str(_(", ")).join(_detail_text(action, key, item) for item in value)
    if isinstance(value, dict):
        return str(_("; ")).join(
            _("%(key)s: %(value)s")
            % {"key": DETAIL_LABELS.get(k, k), "value": _detail_text(action, k, v)}
            for k, v in sorted(value.items())
        )
    if isinstance(value, int):
        return f"#{value}" if key in ID_KEYS else numbers.number(value)
    if key == "changes" and value.startswith("["):
        # The Django admin's change message (JSON): Django words it in the reader's language.
        return str(LogEntry(change_message=value).get_change_message()) or "—"
    labels = VALUE_LABELS.get((action, key)) or VALUE_LABELS.get(("", key)) or {}
    return str(labels.get(value, value))


class ChainBroken(Exception):
    """The first link of the audit chain that does not hold, in words for the operator."""


def export_line(event: AuditEvent) -> dict:
    """One event as ``tuidang audit export`` writes it: every hashed field, the hashes, and
    the actor's user name for people reading the file (not hashed: names can change)."""
    return {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_username": event.actor.get_username() if event.actor is not None else "",
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def verify_chain() -> tuple[int, str]:
    """Walk the whole audit chain in sequence order; return (number of events, head hash).

    Raises ``ChainBroken`` at the first event whose number, previous hash or contents do
    not follow from the event before it, or when the chain stops short of its head row
    (events deleted from the end).
    """
    # The head first: events appended while the walk runs lie beyond it and are left out.
    head = AuditChainHead.current()
    events = AuditEvent.objects.filter(seq__lte=head.seq).order_by("seq")
    count, prev_seq, prev_hash = 0, 0, GENESIS_HASH
    for event in events.iterator(chunk_size=2000):
        where = f"event {event.seq} (id {event.pk}, {event.action})"
        if event.seq != prev_seq + 1:
            raise ChainBroken(
                f"{where}: comes after event {prev_seq}; events are missing or out of order"
            )
        if event.prev_hash != prev_hash:
            raise ChainBroken(f"{where}: does not link to the hash of event {prev_seq}")
        if event.computed_hash() != event.hash:
            raise ChainBroken(f"{where}: its contents no longer match its hash (changed)")
        count, prev_seq, prev_hash = count + 1, event.seq, event.hash
    if (head.seq, head.hash) != (prev_seq, prev_hash):
        raise ChainBroken(
            f"the chain ends at event {prev_seq} but its head records event {head.seq} "
            f"({head.hash}): events were deleted from the end or the head was changed"
        )
    # An event stored past the head was not appended by record(), which moves the head in
    # the same transaction. Read the highest number before the head, so that an append
    # committed in between is not mistaken for one.
    highest = AuditEvent.objects.aggregate(models.Max("seq"))["seq__max"] or 0
    if highest > AuditChainHead.current().seq:
        raise ChainBroken(f"event {highest} lies beyond the chain's head: inserted by hand")
    return count, prev_hash


def verify_export(lines) -> tuple[int, int]:
    """Check that an earlier ``audit export`` is still in the live chain, unchanged.

    ``lines`` are the export's JSON lines. Each exported event is first checked against its
    own recorded hash and its predecessor in the file (a damaged or edited export proves
    nothing), then against the stored event of the same number. Returns the first and last
    sequence numbers compared; raises ``ChainBroken`` at the first difference.
    """
    exported: dict[int, str] = {}
    prev: dict | None = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            canonical = canonical_event(
                seq=row["seq"],
                at=datetime.fromisoformat(row["at"]),
                actor_id=row["actor"],
                action=row["action"],
                object_type=row["object_type"],
                object_id=row["object_id"],
                detail=row["detail"],
            )
            recorded, prev_hash = row["hash"], row["prev_hash"]
            computed = chain_hash(prev_hash, canonical)
        except (ValueError, KeyError, TypeError) as error:
            raise ChainBroken(
                f"line {number} of the export is not an exported event ({error})"
            ) from None
        if computed != recorded:
            raise ChainBroken(
                f"line {number} of the export (event {row['seq']}) does not match its hash"
            )
        if prev is not None and (row["seq"] != prev["seq"] + 1 or prev_hash != prev["hash"]):
            raise ChainBroken(
                f"line {number} of the export (event {row['seq']}) does not follow the line before"
            )
        exported[row["seq"]] = recorded
        prev = row
    if not exported:
        raise ChainBroken("the export holds no events")
    first, last = min(exported), max(exported)
    stored = dict(
        AuditEvent.objects.filter(seq__gte=first, seq__lte=last).values_list("seq", "hash")
    )
    for seq in range(first, last + 1):
        if seq not in stored:
            raise ChainBroken(f"event {seq} of the export is no longer in the database (deleted)")
        if stored[seq] != exported[seq]:
            raise ChainBroken(
                f"event {seq} in the database differs from the export (history rewritten)"
            )
    return first, last
