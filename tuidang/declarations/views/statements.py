"""The public statements of one day, searchable and paginated."""

import re
from datetime import date, timedelta

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tuidang import params
from tuidang.declarations.forms import EARLIEST_DATE
from tuidang.declarations.models import Person

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
    previous_day = parsed - timedelta(days=1)
    next_day = parsed + timedelta(days=1)
    return render(
        request,
        "declarations/statements.html",
        {
            "day": parsed,
            "is_today": parsed == timezone.localdate(),
            "query": query,
            "page": page,
            "people": page.object_list,
            "previous_day": previous_day if previous_day >= EARLIEST_DATE else None,
            "next_day": next_day if next_day <= timezone.localdate() else None,
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
