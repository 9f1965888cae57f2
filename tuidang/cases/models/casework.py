"""Casework for people at risk (issue 10, point 4): what a caseworker tracks about one case.

The case itself (codename, risk level, owner and backup, current country) is ``core.Case``.
Here: the legal stay and its countdown, movement legs (deportations too), protection
applications, contacts with governments, embassies, UNHCR and NGOs, tasks, safety check-ins
and the alerts raised from all of them (``tuidang.cases.alerts``).

Sensitivity (``tuidang.cases.secrecy``): **where a person is, was or applied** (countries of
stays, legs and applications), document numbers and application references name or locate
them and are ``IDENTITY``; free text (notes, summaries, who was contacted, task titles) is
``CONFIDENTIAL``. Dates, statuses and kinds are ``ORDINARY``: alerts and countdowns are
computed from them in the database, and they are all that an alert e-mail carries.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuidang.cases.models.core import Case
from tuidang.cases.secrecy import CONFIDENTIAL, IDENTITY, SealedTextField


class LegalStayQuerySet(models.QuerySet):
    def current(self) -> LegalStayQuerySet:
        """Each case's latest recorded stay: the one its countdown and alerts follow."""
        latest = (
            LegalStay.objects.filter(case=OuterRef("case"))
            .order_by("-recorded", "-pk")
            .values("pk")
        )
        return self.filter(pk=Subquery(latest[:1]))


class LegalStay(models.Model):
    """On what grounds the person may stay where they are, and until when."""

    class Status(models.TextChoices):
        VISA_FREE = "visa_free", _("visa-free or visitor stay")
        VISA = "visa", _("visa")
        RESIDENCE = "residence", _("residence permit")
        ASYLUM_SEEKER = "asylum_seeker", _("asylum seeker, decision pending")
        REFUGEE = "refugee", _("recognised refugee")
        TOLERATED = "tolerated", _("tolerated, removal suspended")
        NONE = "none", _("no legal stay")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stays")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    country = SealedTextField(_("country"), sensitivity=IDENTITY)
    document = SealedTextField(
        _("document"),
        sensitivity=IDENTITY,
        help_text=_("The permit or visa and its number."),
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = SealedTextField(_("notes"), sensitivity=CONFIDENTIAL)
    recorded = models.DateTimeField(default=timezone.now)

    objects = LegalStayQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded", "-pk"]
        verbose_name = _("legal stay")

    def __str__(self) -> str:
        return f"{self.case} · {self.get_status_display()} · {self.valid_until or '—'}"

    def days_left(self, today: date | None = None) -> int | None:
        if self.valid_until is None:
            return None
        return (self.valid_until - (today or timezone.localdate())).days


class MovementLeg(models.Model):
    """One move from one country to another, including forced ones."""

    class Kind(models.TextChoices):
        TRAVEL = "travel", _("travel")
        FLIGHT = "flight", _("escape")
        DEPORTATION = "deportation", _("deportation")
        REFOULEMENT = "refoulement", _("forced return to China")
        RESETTLEMENT = "resettlement", _("resettlement")
        RELOCATION = "relocation", _("relocation for safety")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legs")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_country = SealedTextField(_("from"), sensitivity=IDENTITY)
    to_country = SealedTextField(_("to"), sensitivity=IDENTITY)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    notes = SealedTextField(_("notes"), sensitivity=CONFIDENTIAL)

    class Meta:
        ordering = ["left_on", "pk"]
        verbose_name = _("movement")

    def __str__(self) -> str:
        return f"{self.case} · {self.get_kind_display()} · {self.left_on or '—'}"

    @property
    def forced(self) -> bool:
        return self.kind in {self.Kind.DEPORTATION, self.Kind.REFOULEMENT}


class ProtectionApplication(models.Model):
    """Asylum, UNHCR refugee status, resettlement or a visa: one application and its course."""

    class Kind(models.TextChoices):
        ASYLUM = "asylum", _("asylum")
        UNHCR = "unhcr", _("UNHCR refugee status")
        RESETTLEMENT = "resettlement", _("resettlement")
        VISA = "visa", _("visa")
        OTHER = "other", _("other protection")

    class Status(models.TextChoices):
        PREPARING = "preparing", _("being prepared")
        SUBMITTED = "submitted", _("submitted")
        INTERVIEW = "interview", _("interview scheduled")
        DECIDED = "decided", _("decided")
        APPEALED = "appealed", _("under appeal")
        CLOSED = "closed", _("closed")

    class Decision(models.TextChoices):
        NONE = "", _("none yet")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="applications")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    country = SealedTextField(_("country"), sensitivity=IDENTITY)
    authority = SealedTextField(
        _("authority"), sensitivity=CONFIDENTIAL, help_text=_("Where it was filed.")
    )
    reference = SealedTextField(_("reference"), sensitivity=IDENTITY)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PREPARING
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    interview_on = models.DateField(_("interview on"), null=True, blank=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default="", blank=True
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    appeal_deadline = models.DateField(_("appeal deadline"), null=True, blank=True)
    notes = SealedTextField(_("notes"), sensitivity=CONFIDENTIAL)

    class Meta:
        ordering = ["submitted_on", "pk"]
        verbose_name = _("protection application")

    def __str__(self) -> str:
        return f"{self.case} · {self.get_kind_display()} · {self.get_status_display()}"


class ContactQuerySet(models.QuerySet):
    def awaiting_reply(self, today: date) -> ContactQuerySet:
        """Past the date a reply was expected by, with no reply and no follow-up since."""
        return self.filter(
            reply_expected_by__lt=today, replied_on__isnull=True, follow_ups__isnull=True
        )


class Contact(models.Model):
    """A letter, call or meeting with a government, embassy, UNHCR or NGO on the case's behalf."""

    class PartyKind(models.TextChoices):
        GOVERNMENT = "government", _("government")
        EMBASSY = "embassy", _("embassy")
        UNHCR = "unhcr", _("UNHCR")
        NGO = "ngo", _("NGO")
        LAWYER = "lawyer", _("lawyer")
        OTHER = "other", _("other")

    class Channel(models.TextChoices):
        LETTER = "letter", _("letter")
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("phone")
        MEETING = "meeting", _("meeting")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    party_kind = models.CharField(_("with"), max_length=16, choices=PartyKind.choices)
    party = SealedTextField(
        _("who"), sensitivity=CONFIDENTIAL, help_text=_("The office or person contacted.")
    )
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)
    contacted_on = models.DateField(_("on"), default=timezone.localdate)
    summary = SealedTextField(_("summary"), sensitivity=CONFIDENTIAL)
    reply_expected_by = models.DateField(_("reply expected by"), null=True, blank=True)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["contacted_on", "pk"]
        verbose_name = _("contact")

    def __str__(self) -> str:
        return f"{self.case} · {self.get_party_kind_display()} · {self.contacted_on}"


class CaseTaskQuerySet(models.QuerySet):
    def open(self) -> CaseTaskQuerySet:
        return self.filter(done_at__isnull=True)

    def due(self, now: datetime) -> CaseTaskQuerySet:
        """Open tasks whose reminder time, or failing that whose due day, has come."""
        today = timezone.localdate(now)
        return self.open().filter(
            Q(remind_at__lte=now) | Q(remind_at__isnull=True, due_on__lte=today)
        )


class CaseTask(models.Model):
    """Something to do for the case, with a reminder."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = SealedTextField(_("task"), sensitivity=CONFIDENTIAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_tasks",
        verbose_name=_("assigned to"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    objects = CaseTaskQuerySet.as_manager()

    class Meta:
        ordering = ["done_at", "due_on", "pk"]
        verbose_name = _("task")

    def __str__(self) -> str:
        return f"{self.case} · {self.due_on or '—'}"


class CheckInPlan(models.Model):
    """How often the person at risk is expected to check in; a missed one raises an alert."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="checkin_plan")
    every_hours = models.PositiveIntegerField(_("check in every (hours)"), default=24)
    grace_hours = models.PositiveIntegerField(_("alert after a delay of (hours)"), default=2)
    active = models.BooleanField(_("active"), default=True)
    started = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check-in plan")

    def __str__(self) -> str:
        return f"{self.case} · {self.every_hours} h"

    def last_checkin_at(self) -> datetime:
        latest = self.case.checkins.order_by("-at").values_list("at", flat=True).first()
        return max(latest, self.started) if latest else self.started

    def next_due(self) -> datetime:
        return self.last_checkin_at() + timedelta(hours=self.every_hours)

    def missed(self, now: datetime) -> bool:
        return self.active and now > self.next_due() + timedelta(hours=self.grace_hours)


class CheckIn(models.Model):
    """The person at risk was heard from: safe, or asking for help."""

    class Channel(models.TextChoices):
        MESSAGE = "message", _("message")
        CALL = "call", _("call")
        MEETING = "meeting", _("in person")
        THIRD_PARTY = "third_party", _("through someone else")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checkins")
    at = models.DateTimeField(_("at"), default=timezone.now)
    channel = models.CharField(_("how"), max_length=12, choices=Channel.choices)
    safe = models.BooleanField(_("safe"), default=True, help_text=_("Untick if they need help."))
    note = SealedTextField(_("note"), sensitivity=CONFIDENTIAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("check-in")

    def __str__(self) -> str:
        return f"{self.case} · {self.at:%Y-%m-%d %H:%M}"


class CaseAlert(models.Model):
    """Something about a case that needs its owner's attention, raised once.

    ``key`` names the occasion (the stay, its end date and the threshold; the check-in that was
    due; …) and is unique, so however often the check runs, each occasion raises one alert and
    one e-mail. ``detail`` holds ordinary values only (days, dates, kinds): it is what the
    e-mail says, and e-mail leaves the server.
    """

    class Kind(models.TextChoices):
        STAY_ENDING = "stay_ending", _("legal stay ending")
        STAY_ENDED = "stay_ended", _("legal stay ended")
        INTERVIEW = "interview", _("interview coming")
        APPEAL_DEADLINE = "appeal_deadline", _("appeal deadline coming")
        REPLY_OVERDUE = "reply_overdue", _("reply overdue")
        TASK_DUE = "task_due", _("task due")
        CHECKIN_MISSED = "checkin_missed", _("check-in missed")
        NEEDS_HELP = "needs_help", _("asked for help")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=120, unique=True)
    detail = models.JSONField(default=dict)
    raised = models.DateTimeField(default=timezone.now)
    emailed = models.DateTimeField(null=True, blank=True)
    acknowledged = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised", "-pk"]
        indexes = [models.Index(fields=["emailed"], name="cases_alert_unsent")]

    def __str__(self) -> str:
        return f"{self.case} · {self.kind}"


class AlertLanguage(models.Model):
    """The language a staff member's alert e-mails are written in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_language"
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"


def alert_language(user) -> str:
    try:
        return user.alert_language.language
    except AlertLanguage.DoesNotExist:
        return settings.LANGUAGE_CODE
