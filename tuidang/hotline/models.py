"""The hotline's call log: one row per call, so the centre can show patterns of harassment.

The table keeps the name it had in the declarations app (``declarations_call``): migration
0001 moved the model here without touching the data.
"""

from collections import Counter

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CallOutcome(models.TextChoices):
    DECLARATION = "declaration", _("Declaration taken")
    QUESTION = "question", _("Question answered")
    HANG_UP = "hang_up", _("Caller hung up")
    HARASSMENT = "harassment", _("Harassment")
    THREAT = "threat", _("Threat")


class CallQuerySet(models.QuerySet["Call"]):
    def by_week(self, weeks: int = 12, today=None) -> list[tuple]:
        """``(monday, Counter of outcomes)`` for each of the last ``weeks`` weeks, oldest first.

        Weeks start on Monday in the site's time zone; weeks without calls are present and empty,
        so a chart of them has no gaps.
        """
        from datetime import date, datetime, time, timedelta

        from django.db.models.functions import TruncWeek

        today = today or timezone.localdate()
        first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
        counts: dict[date, Counter[str]] = {
            first + timedelta(weeks=i): Counter() for i in range(weeks)
        }
        rows = (
            self.filter(taken_at__gte=timezone.make_aware(datetime.combine(first, time.min)))
            .annotate(week=TruncWeek("taken_at"))
            .values("week", "outcome")
            .annotate(n=models.Count("id"))
        )
        for row in rows:
            week = timezone.localtime(row["week"]).date()
            if week in counts:
                counts[week][row["outcome"]] += row["n"]
        return list(counts.items())


class Call(models.Model):
    """One call to the hotline. No caller number is kept unless a volunteer records it for a threat."""

    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=12, choices=CallOutcome.choices)
    notes = models.TextField(blank=True)
    # Sealed like contact details (tuidang.declarations.contacts): the server cannot read it
    # back; `tuidang contacts reveal --calls` opens it for staff holding the private key.
    sealed_caller_number = models.BinaryField(null=True, blank=True)
    submission = models.ForeignKey(
        "declarations.Submission", null=True, blank=True, on_delete=models.PROTECT
    )

    objects = CallQuerySet.as_manager()

    class Meta:
        db_table = "declarations_call"
        ordering = ["-taken_at"]

    def __str__(self):
        return f"{self.taken_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    @property
    def has_caller_number(self) -> bool:
        return self.sealed_caller_number is not None


def forget_calls(sender, submissions, **kwargs) -> Counter:
    """Calls linked to forgotten submissions lose the sealed caller number, the notes and the
    link itself: a call's time held against phone records would name the caller."""
    changed = Call.objects.filter(submission__in=submissions).update(
        sealed_caller_number=None, notes="", submission=None
    )
    return Counter({"calls": changed})
