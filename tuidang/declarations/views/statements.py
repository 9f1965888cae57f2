"""The public statements of one day, searchable and paginated."""

import re
from datetime import date

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tuidang import params
from tuidang.declarations.forms import EARLIEST_DATE
from tuidang.declarations.models import Person, Status, Submission

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
QUERY_MAX_LENGTH = 100


def parse_day(value: str) -> tuple[date | None, str]:
    """A published day from ``YYYY-MM-DD``, or None and the reason in the active language."""
    try:
        day = date.fromisoformat(value) if ISO_DATE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        return None, _("“%(value)s” is not a date. Write it as YYYY-MM-DD, e.g. 2024-05-01.") % {
            "value": value[:20]
        }
    if day > timezone.localdate():
        return None, _("%(day)s has not come yet, so it has no statements.") % {
            "day": day.isoformat()
        }
    if day < EARLIEST_DATE:
        return None, _("The lists begin on %(day)s.") % {"day": EARLIEST_DATE.isoformat()}
    return day, ""


def statements_of(day: date, query: str = ""):
    """Published people of ``day`` in log order, with what the lists show.

    Never in arrival order: the log takes people in batches, shuffled within each (batches.py),
    so its order says nothing about when anyone connected.
    """
    people = (
        Person.objects.published()
        .filter(submission__declared_on=day)
        .select_related("submission")
        .prefetch_related("organisations")
        .order_by("leaf_index")
    )
    if query:
        people = people.filter(Q(name__icontains=query) | Q(statement__icontains=query))
    return people


def nearest_day_with_statements(day: date, *, before: bool) -> date | None:
    """The nearest day before (or after) ``day`` that has published statements, if any.

    A reader going back through the lists should not have to walk empty days one by one.
    Walks the ``(status, declared_on)`` index in order and stops at the first submission
    with a published person: a few index probes, whatever the size of the table.
    """
    published = Person.objects.filter(
        submission=OuterRef("pk"), removed_at__isnull=True, leaf_index__isnull=False
    )
    submissions = Submission.objects.filter(Exists(published), status=Status.ACCEPTED)
    if before:
        submissions = submissions.filter(declared_on__lt=day).order_by("-declared_on")
    else:
        submissions = submissions.filter(
            declared_on__gt=day, declared_on__lte=timezone.localdate()
        ).order_by("declared_on")
    return submissions.values_list("declared_on", flat=True).first()


@require_safe
def today(request):
    """Today's list; also where the date picker sends its ``?date=`` (it works without JS)."""
    raw = request.GET.get("date", "").strip()
    if not raw:
        day = timezone.localdate()
    else:
        parsed, error = parse_day(raw)
        if parsed is None:
            return _render_error(request, error, status=400)
        day = parsed
    url = reverse("declarations-statements-day", args=[day.isoformat()])
    query = request.GET.get("q", "").strip()
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)


@require_safe
def day(request, day: str):
    parsed, error = parse_day(day)
    if parsed is None:
        return _render_error(request, error, status=404)
    query = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    paginator = Paginator(statements_of(parsed, query), settings.STATEMENTS_PER_PAGE)
    try:
        # Paginator.page would take "１２" (full-width) as 12; 0 is its own "no such page".
        number = params.whole_number(request.GET.get("page", "").strip() or "1")
        page = paginator.page("" if number is None else number)
    except InvalidPage:
        message = _("There is no page “%(page)s” for this day; it has %(pages)d.") % {
            "page": request.GET.get("page", "")[:10],
            "pages": paginator.num_pages,
        }
        return _render_error(request, message, status=404, day=parsed)
    # Empty days are skipped; "next" still leads from a past day to today, whose list fills
    # as the day's batches are logged.
    previous_day = nearest_day_with_statements(parsed, before=True)
    next_day = nearest_day_with_statements(parsed, before=False)
    if next_day is None and parsed < timezone.localdate():
        next_day = timezone.localdate()
    return render(
        request,
        "declarations/statements.html",
        {
            "day": parsed,
            "is_today": parsed == timezone.localdate(),
            "query": query,
            "page": page,
            "people": page.object_list,
            "previous_day": previous_day,
            "next_day": next_day,
            "page_query": urlencode({"q": query}) if query else "",
            "max_date": timezone.localdate(),
            "min_date": EARLIEST_DATE,
        },
    )


def _render_error(request, message: str, status: int, day: date | None = None):
    """The statements page with the reason instead of a list, and the date picker to go on."""
    return render(
        request,
        "declarations/statements.html",
        {
            "error": message,
            "day": day,
            "max_date": timezone.localdate(),
            "min_date": EARLIEST_DATE,
        },
        status=status,
    )
