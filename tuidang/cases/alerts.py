"""Casework alerts: what needs a caseworker's attention, raised once and e-mailed once.

``raise_due(now)`` looks at every case at risk and records a ``CaseAlert`` for each occasion:

- a legal stay ending: at each threshold of ``TUIDANG_CASES_STAY_ALERT_DAYS`` (30, 7 and 1 days
  by default), and once when it has ended;
- an interview or an appeal deadline coming, at the same thresholds;
- a reply from a government, embassy, UNHCR or NGO overdue (no reply and no follow-up);
- a task whose reminder time (or due day) has come;
- a safety check-in missed (the plan's interval and grace period passed with none);
- a check-in that said the person needs help (raised at once, when it is recorded).

Each occasion has a unique key (the object, its date and the threshold), so running the
check again raises nothing new; a stay recorded with 5 days left raises the 7-day alert only,
not the 30-day one as well. A changed date is a new occasion (a stay extended to a new date
counts down again). ``send_pending()`` then e-mails each alert not yet e-mailed to the case's
owner and backup, each in their own language, and marks it e-mailed in the same transaction
that locked it: a second worker skips it. If the relay fails, the alert stays pending and the
next round tries again. (If the worker dies after the relay accepted a message but before the
mark commits, that one message can go twice: at least once, never silently lost.)

The e-mail says only the codename, what is due and when, and links to the case: no country,
no name, no note. E-mail passes through relays outside the centre's control.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tuidang import mail
from tuidang.cases.models import (
    Case,
    CaseAlert,
    CaseTask,
    CheckIn,
    CheckInPlan,
    Contact,
    LegalStay,
    ProtectionApplication,
)
from tuidang.cases.models.casework import alert_language

logger = logging.getLogger(__name__)
Kind = CaseAlert.Kind


def thresholds() -> list[int]:
    return sorted(settings.CASES_STAY_ALERT_DAYS, reverse=True)


def _raise(case_id: int, kind: str, key: str, **detail: Any) -> bool:
    """Record the alert unless its key already exists; True if it is new."""
    try:
        with transaction.atomic():
            CaseAlert.objects.create(case_id=case_id, kind=kind, key=key, detail=detail)
    except IntegrityError:
        return False
    return True


def _countdown(case_id: int, kind: str, prefix: str, day: date, today: date) -> bool:
    """One alert for the smallest threshold ``day`` is within (none beyond the largest)."""
    days = (day - today).days
    if days < 0:
        return False
    within = [t for t in thresholds() if days <= t]
    if not within:
        return False
    threshold = min(within)
    return _raise(
        case_id,
        kind,
        f"{prefix}:{day.isoformat()}:{threshold}",
        date=day.isoformat(),
        days=days,
        threshold=threshold,
    )


def raise_due(now: datetime | None = None) -> int:
    """Record every alert that has come due; returns how many were new."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today.toordinal() + max(thresholds(), default=0)
    at_risk = Case.objects.at_risk()
    new = 0

    stays = LegalStay.objects.current().filter(case__in=at_risk, valid_until__isnull=False)
    for stay in stays.filter(valid_until__lte=date.fromordinal(horizon)).only(
        "pk", "case_id", "valid_until"
    ):
        assert stay.valid_until is not None
        if stay.valid_until < today:
            new += _raise(
                stay.case_id,
                Kind.STAY_ENDED,
                f"stay:{stay.pk}:{stay.valid_until.isoformat()}:ended",
                date=stay.valid_until.isoformat(),
            )
        else:
            new += _countdown(
                stay.case_id, Kind.STAY_ENDING, f"stay:{stay.pk}", stay.valid_until, today
            )

    applications = ProtectionApplication.objects.filter(case__in=at_risk).exclude(
        status=ProtectionApplication.Status.CLOSED
    )
    for application in applications.filter(interview_on__gte=today).only(
        "pk", "case_id", "interview_on", "kind"
    ):
        assert application.interview_on is not None
        new += _countdown(
            application.case_id,
            Kind.INTERVIEW,
            f"interview:{application.pk}",
            application.interview_on,
            today,
        )
    for application in applications.filter(
        appeal_deadline__gte=today, decision=ProtectionApplication.Decision.REFUSED
    ).only("pk", "case_id", "appeal_deadline", "kind"):
        assert application.appeal_deadline is not None
        new += _countdown(
            application.case_id,
            Kind.APPEAL_DEADLINE,
            f"appeal:{application.pk}",
            application.appeal_deadline,
            today,
        )

    for contact in Contact.objects.filter(case__in=at_risk).awaiting_reply(today):
        assert contact.reply_expected_by is not None
        new += _raise(
            contact.case_id,
            Kind.REPLY_OVERDUE,
            f"reply:{contact.pk}:{contact.reply_expected_by.isoformat()}",
            date=contact.reply_expected_by.isoformat(),
            party_kind=contact.party_kind,
        )

    for task in CaseTask.objects.filter(case__in=at_risk).due(now):
        when = task.remind_at.isoformat() if task.remind_at else str(task.due_on)
        new += _raise(
            task.case_id,
            Kind.TASK_DUE,
            f"task:{task.pk}:{when}",
            date=(task.due_on or timezone.localdate(task.remind_at)).isoformat(),
        )

    for plan in CheckInPlan.objects.filter(case__in=at_risk, active=True).select_related("case"):
        if plan.missed(now):
            due = plan.next_due()
            new += _raise(
                plan.case_id,
                Kind.CHECKIN_MISSED,
                f"checkin:{plan.case_id}:{due.isoformat()}",
                due=due.isoformat(),
            )
    return new


def raise_for_checkin(checkin: CheckIn) -> bool:
    """A check-in that says the person needs help is an alert at once."""
    if checkin.safe:
        return False
    return _raise(checkin.case_id, Kind.NEEDS_HELP, f"help:{checkin.pk}", at=checkin.at.isoformat())


# --- What an alert says -----------------------------------------------------------------------


def _day(value: str) -> str:
    return date_format(date.fromisoformat(value), "DATE_FORMAT")


def describe(alert: CaseAlert) -> str:
    """One sentence in the active language, from the alert's ordinary details only."""
    d = alert.detail
    if alert.kind == Kind.STAY_ENDING:
        return ngettext(
            "The legal stay ends in %(days)s day, on %(date)s.",
            "The legal stay ends in %(days)s days, on %(date)s.",
            d["days"],
        ) % {"days": d["days"], "date": _day(d["date"])}
    if alert.kind == Kind.STAY_ENDED:
        return _("The legal stay ended on %(date)s.") % {"date": _day(d["date"])}
    if alert.kind == Kind.INTERVIEW:
        return ngettext(
            "An interview is in %(days)s day, on %(date)s.",
            "An interview is in %(days)s days, on %(date)s.",
            d["days"],
        ) % {"days": d["days"], "date": _day(d["date"])}
    if alert.kind == Kind.APPEAL_DEADLINE:
        return ngettext(
            "The deadline to appeal a refusal is in %(days)s day, on %(date)s.",
            "The deadline to appeal a refusal is in %(days)s days, on %(date)s.",
            d["days"],
        ) % {"days": d["days"], "date": _day(d["date"])}
    if alert.kind == Kind.REPLY_OVERDUE:
        party = Contact.PartyKind(d["party_kind"]).label
        return _("A reply from the %(party)s was expected by %(date)s and has not come.") % {
            "party": party,
            "date": _day(d["date"]),
        }
    if alert.kind == Kind.TASK_DUE:
        return _("A task is due (%(date)s).") % {"date": _day(d["date"])}
    if alert.kind == Kind.CHECKIN_MISSED:
        due = timezone.localtime(datetime.fromisoformat(d["due"]))
        return _("A safety check-in was due at %(time)s and none has been recorded.") % {
            "time": date_format(due, "DATETIME_FORMAT")
        }
    return _("A check-in said the person needs help.")


def case_url(alert: CaseAlert) -> str:
    """The case's casework page, in the active language, at the address staff use."""
    path = reverse("cases-view-casework", args=[alert.case_id])
    return settings.STAFF_BASE_URL.rstrip("/") + path


# --- E-mail -------------------------------------------------------------------------------------


def send_pending() -> int:
    """E-mail each alert not yet e-mailed to its case's owner and backup; returns how many
    alerts went out. Raises ``MailNotConfigured`` (after marking nothing) without a relay."""
    sent = 0
    pending = CaseAlert.objects.filter(emailed__isnull=True).order_by("raised", "pk")
    for alert_id in pending.values_list("pk", flat=True):
        with transaction.atomic():
            alert = (
                CaseAlert.objects.select_for_update(of=("self",))
                .filter(pk=alert_id, emailed__isnull=True)
                .select_related("case", "case__owner", "case__backup")
                .first()
            )
            if alert is None:  # another worker took it
                continue
            messages = []
            for user in alert.case.alert_recipients:
                if not user.email:
                    continue
                language = alert_language(user)
                with translation.override(language):
                    context = {
                        "codename": alert.case.codename,
                        "summary": describe(alert),
                        "kind": alert.get_kind_display(),
                        "url": case_url(alert),
                        "recipient": user.get_username(),
                    }
                messages.append(
                    mail.make_message("casework-alert", user.email, context, language=language)
                )
            if messages:
                mail.send(messages)
            alert.emailed = timezone.now()
            alert.save(update_fields=["emailed"])
            sent += 1
    return sent
