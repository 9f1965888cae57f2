"""Documentation of persecution, after the HURIDOCS Events Standard Formats.

An **Event** (what happened, where, when) holds **Acts**: one act against one victim (a
**Person**), of a type from a controlled vocabulary (**Term**), with the victim's status.
**Involvement** names who did it (a person or an agency) and to what degree. **Information**
says where we know it from; **Evidence** is a file hashed on arrival, encrypted at rest, with
its chain of custody. **Intervention** is what the centre did about it (letters, UN appeals,
media, embassies, a dossier handed over).

Every object hangs from a ``Case``: access to it is access to its case (``access.py``).
Counts are computed from these rows (``counts.py``), never typed in. A person reported twice
is found (``duplicates.py``) and merged by a person's decision (``Merge``); a merge points the
merged person at the survivor (``merged_into``) and can be undone, nothing is deleted.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tuidang.cases.models.core import Case
from tuidang.cases.secrecy import CONFIDENTIAL, IDENTITY, OfflineSealedField, SealedTextField


class Vocabulary(models.TextChoices):
    ACT_TYPE = "act_type", _("Act type")
    VICTIM_STATUS = "victim_status", _("Victim's status")
    SOURCE_TYPE = "source_type", _("Source type")
    INTERVENTION_TYPE = "intervention_type", _("Intervention type")
    PERPETRATOR_TYPE = "perpetrator_type", _("Perpetrator type")
    RECIPIENT_KIND = "recipient_kind", _("Kind of recipient")


class TermQuerySet(models.QuerySet):
    def of(self, vocabulary: str) -> "TermQuerySet":
        return self.filter(vocabulary=vocabulary)

    def active(self) -> "TermQuerySet":
        return self.filter(active=True)


class Term(models.Model):
    """One entry of a controlled vocabulary, with its label in each language (admins edit them;
    codes are what imports, exports and dossiers use and never change meaning)."""

    vocabulary = models.CharField(_("vocabulary"), max_length=32, choices=Vocabulary.choices)
    code = models.SlugField(_("code"), max_length=40)
    label_zh_hans = models.CharField(_("label (Simplified Chinese)"), max_length=100)
    label_zh_hant = models.CharField(_("label (Traditional Chinese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    counts_as_death = models.BooleanField(
        _("counts as a death"),
        default=False,
        help_text=_("Victims with an act of this type or status are counted among the dead."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["vocabulary", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["vocabulary", "code"], name="cases_term_code_unique")
        ]
        verbose_name = _("vocabulary term")
        verbose_name_plural = _("vocabulary terms")

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        language = (language or get_language() or "en").lower()
        if language.startswith("zh-hant"):
            return self.label_zh_hant
        if language.startswith("zh"):
            return self.label_zh_hans
        return self.label_en


class Precision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    APPROXIMATE = "approximate", _("approximate (year)")
    UNKNOWN = "unknown", _("unknown")


def parse_fuzzy_date(text: str) -> tuple[datetime.date | None, str]:
    """``2001-05-03`` (day), ``2001-05`` (month), ``2001`` (year), ``~2001`` (approximate),
    "" (unknown) → (the first day it may be, its precision). ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return None, Precision.UNKNOWN
    approximate = text.startswith("~")
    parts = text.lstrip("~").split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(f"not a date: {text!r} (YYYY-MM-DD, YYYY-MM, YYYY or ~YYYY)")
    numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
    day = datetime.date(*numbers)
    if approximate:
        return datetime.date(day.year, 1, 1), Precision.APPROXIMATE
    return day, (Precision.YEAR, Precision.MONTH, Precision.DAY)[len(parts) - 1]


def format_fuzzy_date(day: datetime.date | None, precision: str) -> str:
    if day is None or precision == Precision.UNKNOWN:
        return ""
    if precision == Precision.DAY:
        return day.isoformat()
    if precision == Precision.MONTH:
        return f"{day:%Y-%m}"
    if precision == Precision.APPROXIMATE:
        return f"~{day:%Y}"
    return f"{day:%Y}"


class Event(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(
        _("title"),
        max_length=200,
        help_text=_("A short title without names (it appears in lists and dossiers)."),
    )
    description = SealedTextField(_("what happened"), sensitivity=CONFIDENTIAL)
    # The declarations' region codes: CN-XX for a province-level division, else a country.
    region = models.CharField(_("province or country"), max_length=8, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    date = models.DateField(_("date"), null=True, blank=True, db_index=True)
    date_precision = models.CharField(
        _("precision of the date"), max_length=12, choices=Precision.choices, default=Precision.DAY
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return self.title

    @property
    def fuzzy_date(self) -> str:
        return format_fuzzy_date(self.date, self.date_precision)


class PersonQuerySet(models.QuerySet):
    def canonical(self) -> "PersonQuerySet":
        """People not merged into another: each real person once."""
        return self.filter(merged_into__isnull=True)


class Person(models.Model):
    """A victim, perpetrator, witness or source: an individual or a group.

    The pseudonym is for everyday use; real names and everything that locates the person are
    sealed (``IDENTITY``), shown only on request and audited. Finding the same person reported
    twice uses keyed digests of the name's spellings (``PersonNameKey``), never the name.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("individual")
        GROUP = "group", _("group")

    class Sex(models.TextChoices):
        UNKNOWN = "", _("unknown")
        FEMALE = "f", _("female")
        MALE = "m", _("male")
        OTHER = "x", _("other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    pseudonym = models.CharField(_("pseudonym"), max_length=100, db_index=True)
    real_name = SealedTextField(_("real name"), sensitivity=IDENTITY)
    other_names = SealedTextField(
        _("other names and spellings"),
        sensitivity=IDENTITY,
        help_text=_("One per line: other scripts, pinyin, former names."),
    )
    birth_date = SealedTextField(
        _("date of birth"), sensitivity=IDENTITY, help_text=_("YYYY-MM-DD, YYYY-MM or YYYY")
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default="", blank=True)
    # Home province (a declarations region code); where acts happened is on their event.
    region = models.CharField(_("home province or country"), max_length=8, blank=True)
    address = SealedTextField(_("address"), sensitivity=IDENTITY)
    contact = SealedTextField(_("contact details"), sensitivity=IDENTITY)
    notes = SealedTextField(_("notes"), sensitivity=CONFIDENTIAL)
    # Where the person hides, a family's address at home: the server cannot read it back.
    whereabouts = OfflineSealedField(_("whereabouts (sealed offline)"))
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged"
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["pseudonym", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.pseudonym

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is None or {"real_name", "other_names"} & set(fields):
            self.refresh_name_keys()

    @property
    def birth_year(self) -> int | None:
        text = (self.birth_date or "").lstrip("~")
        return int(text[:4]) if text[:4].isdigit() else None

    def name_spellings(self) -> list[str]:
        return [n for n in [self.real_name, *self.other_names.splitlines()] if n.strip()]

    def refresh_name_keys(self) -> None:
        """Recompute the digests that find this person's other reports (after a name change)."""
        from tuidang.cases import names

        self.name_keys.all().delete()
        keys = {k for spelling in self.name_spellings() for k in names.name_keys(spelling)}
        PersonNameKey.objects.bulk_create(PersonNameKey(person=self, key=k) for k in sorted(keys))


def canonical_person(field: str = "victim") -> Coalesce:
    """The person a row points at, after merges: the survivor of a merge, else itself."""
    return Coalesce(f"{field}__merged_into_id", f"{field}_id")


class PersonNameKey(models.Model):
    """A keyed digest of one normalised spelling of a person's name (``names.name_keys``).

    Equal digests mean equal spellings after folding simplified/traditional characters and
    pinyin; they are keyed with the case-files key, so a stolen database cannot be searched
    by hashing guessed names.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_keys")
    key = models.CharField(max_length=32, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "key"], name="cases_name_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class ActQuerySet(models.QuerySet):
    def deaths(self) -> "ActQuerySet":
        return self.filter(
            models.Q(act_type__counts_as_death=True) | models.Q(victim_status__counts_as_death=True)
        )


class Act(models.Model):
    """One act against one victim."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="acts")
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="acts")
    act_type = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.ACT_TYPE},
        verbose_name=_("type of act"),
    )
    victim_status = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.VICTIM_STATUS},
        verbose_name=_("victim's status"),
    )
    # Usually the event's date; an act may have its own (a detention that began later).
    date = models.DateField(_("date"), null=True, blank=True, db_index=True)
    date_precision = models.CharField(
        _("precision of the date"), max_length=12, choices=Precision.choices, default=Precision.DAY
    )

    objects = ActQuerySet.as_manager()

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("act")
        verbose_name_plural = _("acts")

    def __str__(self) -> str:
        return f"{self.act_type} — {self.victim}"

    @property
    def fuzzy_date(self) -> str:
        return format_fuzzy_date(self.date, self.date_precision)


class Involvement(models.Model):
    class Degree(models.TextChoices):
        DIRECT = "direct", _("carried it out")
        ORDERED = "ordered", _("ordered it")
        COMPLICIT = "complicit", _("complicit")
        UNKNOWN = "unknown", _("unknown")

    act = models.ForeignKey(Act, on_delete=models.CASCADE, related_name="involvements")
    perpetrator = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="perpetrated"
    )
    agency = models.CharField(_("agency"), max_length=200, blank=True)
    agency_type = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.PERPETRATOR_TYPE},
        verbose_name=_("perpetrator type"),
    )
    degree = models.CharField(
        _("degree"), max_length=12, choices=Degree.choices, default=Degree.UNKNOWN
    )

    def __str__(self) -> str:
        return self.agency or str(self.perpetrator)


class Information(models.Model):
    """Where we know something from: a source, its type, how reliable, when, in which language."""

    class Reliability(models.TextChoices):
        HIGH = "high", _("high")
        MEDIUM = "medium", _("medium")
        LOW = "low", _("low")
        UNKNOWN = "unknown", _("unknown")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="information")
    # A source is often a person (a relative, a witness): named like one.
    source = SealedTextField(_("source"), sensitivity=IDENTITY)
    source_type = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.SOURCE_TYPE},
        verbose_name=_("source type"),
    )
    reliability = models.CharField(
        _("reliability"), max_length=8, choices=Reliability.choices, default=Reliability.UNKNOWN
    )
    date = models.DateField(_("date"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    summary = SealedTextField(_("summary"), sensitivity=CONFIDENTIAL)
    # What a dossier may cite: a public report, an article (no source names).
    citation = models.CharField(_("citation for dossiers"), max_length=300, blank=True)
    events = models.ManyToManyField(Event, blank=True, related_name="information")
    people = models.ManyToManyField(Person, blank=True, related_name="information")

    class Meta:
        verbose_name = _("information")
        verbose_name_plural = _("information")

    def __str__(self) -> str:
        return self.citation or f"#{self.pk}"


class Evidence(models.Model):
    """A file: its SHA-256 taken on arrival, its bytes sealed, every hand it passes recorded."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    information = models.ForeignKey(
        Information, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    filename = SealedTextField(_("file name"), sensitivity=CONFIDENTIAL)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    sealed_content = models.BinaryField()
    description = SealedTextField(_("description"), sensitivity=CONFIDENTIAL)
    received = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.sha256[:16]

    @classmethod
    def receive(
        cls, case: Case, data: bytes, *, filename: str, by=None, came_from: str = "", **fields
    ) -> "Evidence":
        """Hash the file as it arrives, seal it, and open its chain of custody (``came_from``:
        the person or channel it was received from, kept sealed with the entry)."""
        import hashlib

        from tuidang.cases import secrecy

        digest = hashlib.sha256(data).hexdigest()
        evidence = cls.objects.create(
            case=case,
            filename=filename,
            size=len(data),
            sha256=digest,
            sealed_content=secrecy.seal_bytes(data, f"cases.evidence.{digest}"),
            **fields,
        )
        evidence.custody.create(
            by=by, action=CustodyEntry.Action.RECEIVED, sha256=digest, counterpart=came_from
        )
        return evidence

    def content(self) -> bytes:
        """The file's bytes, checked against the hash taken on arrival."""
        import hashlib

        from tuidang.cases import secrecy

        data = secrecy.unseal_bytes(bytes(self.sealed_content), f"cases.evidence.{self.sha256}")
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise secrecy.SealedValueBroken(f"evidence {self.pk} no longer matches its hash")
        return data


class CustodyEntry(models.Model):
    """One link of an evidence file's chain of custody."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("received")
        OPENED = "opened", _("opened")
        EXPORTED = "exported", _("exported")
        HANDED_OVER = "handed_over", _("handed over")
        VERIFIED = "verified", _("hash verified")
        VIEWED = "viewed", _("record viewed")
        DOWNLOADED = "downloaded", _("downloaded")
        TRANSFERRED = "transferred", _("transferred")
        IMPORTED = "imported", _("imported")

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="custody")
    at = models.DateTimeField(auto_now_add=True)
    # Empty when the command line did it (``tuidang cases export``/``import``): no staff
    # account is logged in there, and the audit log names the operator.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Who the file came from or went to (a person, a channel, an organisation): it can name a
    # source, so it is sealed like one.
    counterpart = SealedTextField(_("from or to"), sensitivity=IDENTITY)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


class Intervention(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        SENT = "sent", _("sent")
        ANSWERED = "answered", _("answered")
        CLOSED = "closed", _("closed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interventions")
    kind = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.INTERVENTION_TYPE},
        verbose_name=_("kind"),
    )
    recipient = models.CharField(_("recipient"), max_length=200)
    date = models.DateField(_("date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    description = SealedTextField(_("description"), sensitivity=CONFIDENTIAL)
    response = SealedTextField(_("response"), sensitivity=CONFIDENTIAL)
    handover = models.ForeignKey(
        "cases.Dossier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventions",
    )

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient}"


class DuplicateDecision(models.Model):
    """A person's answer to "are these two reports the same person?" (pair stored low id first)."""

    class Verdict(models.TextChoices):
        SAME = "same", _("the same person (merged)")
        DIFFERENT = "different", _("different people")

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="cases_one_decision_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.first_id}/{self.second_id} {self.verdict}"


class Merge(models.Model):
    """``merged`` was found to be ``survivor``; undone by setting ``undone_at`` (never deleted)."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # People that had been merged into ``merged`` and now point at the survivor.
    moved = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"
