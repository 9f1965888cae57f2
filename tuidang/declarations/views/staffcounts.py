"""What each staff account entered, for admins: the numbers a planted volunteer would move.

Four eyes stop one account from adding to the count alone; this page shows who enters how
much and how much of it colleagues accepted or rejected, so an account that enters far more
than the others, or whose entries are often rejected, stands out.
"""

import csv
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone

from tuidang.accounts.decorators import staff_required
from tuidang.accounts.models import ADMIN
from tuidang.declarations.models import Person, Status, Submission
from tuidang.declarations.views.intake import staff_page

COLUMNS = ("today", "week", "total", "people", "accepted", "rejected", "waiting")


def counts_by_account() -> list[dict]:
    """One row per account that entered anything: submissions entered today, this week
    (from Monday, in the site's time zone) and in all, people in them, and how many of the
    submissions were accepted, rejected or are waiting."""
    today = timezone.localdate()
    midnight = timezone.make_aware(datetime.combine(today, time.min))
    monday = midnight - timedelta(days=today.weekday())
    rows = (
        Submission.objects.exclude(entered_by=None)
        .values("entered_by")
        .annotate(
            today=Count("id", filter=Q(created_at__gte=midnight)),
            week=Count("id", filter=Q(created_at__gte=monday)),
            total=Count("id"),
            accepted=Count("id", filter=Q(status=Status.ACCEPTED)),
            rejected=Count("id", filter=Q(status=Status.REJECTED)),
            waiting=Count("id", filter=Q(status=Status.PENDING)),
        )
    )
    people = dict(
        Person.objects.exclude(submission__entered_by=None)
        .values("submission__entered_by")
        .annotate(n=Count("id"))
        .values_list("submission__entered_by", "n")
    )
    names = dict(
        get_user_model()
        .objects.filter(pk__in=[row["entered_by"] for row in rows])
        .values_list("pk", "username")
    )
    table = [
        {"account": names[row["entered_by"]], **row, "people": people.get(row["entered_by"], 0)}
        for row in rows
    ]
    return sorted(table, key=lambda row: (-row["week"], -row["total"], row["account"]))


@staff_required(ADMIN)
def staff_counts(request):
    rows = counts_by_account()
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="entered-by-account-{timezone.localdate():%Y%m%d}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(["account", *COLUMNS])
        for row in rows:
            # User names are chosen by admins, but a spreadsheet must never run one.
            account = row["account"]
            if account[:1] in ("=", "+", "-", "@"):
                account = "'" + account
            writer.writerow([account, *(row[c] for c in COLUMNS)])
        return response
    return staff_page(request, "declarations/staff/staff_counts.html", {"rows": rows})
