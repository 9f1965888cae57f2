"""The open-data read API: the tally and each day's statements, as JSON and CSV.

Open data: anyone may read it from anywhere (``Access-Control-Allow-Origin: *``), no key, no
cookies. Documented for people in docs/api.md and for machines in openapi.json beside this
module. Error messages follow ``?lang=`` or Accept-Language.
"""

import csv
import functools
from base64 import b64encode
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from tuidang import params
from tuidang.declarations import tally as maths
from tuidang.declarations.models import TallyCounter
from tuidang.declarations.views.statements import parse_day, statements_of
from tuidang.opendata import error, open_data

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.json"
# How long caches may keep an answer. The tally and today's list change all day; a past day
# changes only when a statement is removed for someone's safety, and that removal must reach
# every cache soon, so even past days are kept a quarter of an hour, not days.
TALLY_MAX_AGE = 60
TODAY_MAX_AGE = 60
PAST_DAY_MAX_AGE = 900
OPENAPI_MAX_AGE = 3600
CSV_CHUNK = 500
# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_JSON = {"ensure_ascii": False}


@open_data
def tally(request):
    data = maths.open_data(TallyCounter.snapshot(), timezone.localdate())
    data["as_of"] = timezone.now().isoformat(timespec="seconds")
    response = JsonResponse(data, json_dumps_params=_JSON)
    patch_cache_control(response, public=True, max_age=TALLY_MAX_AGE)
    return response


@open_data
def tally_csv(request):
    data = maths.open_data(TallyCounter.snapshot(), timezone.localdate())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="tally.csv"'
    writer = csv.writer(response)
    writer.writerow(["breakdown", "key", "count"])
    writer.writerows(maths.csv_rows(data))
    patch_cache_control(response, public=True, max_age=TALLY_MAX_AGE)
    return response


def _requested_day(request) -> tuple[date | None, JsonResponse | None]:
    raw = request.GET.get("date", "").strip()
    if not raw:
        return timezone.localdate(), None
    day, message = parse_day(raw)
    if day is None:
        return None, error("date", message)
    return day, None


def _cache_for_day(response, day: date):
    max_age = TODAY_MAX_AGE if day >= timezone.localdate() else PAST_DAY_MAX_AGE
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _organisation_slugs(person) -> list[str]:
    return sorted(o.slug for o in person.organisations.all())


@open_data
def statements(request):
    day, problem = _requested_day(request)
    if day is None:
        return problem
    raw_page = request.GET.get("page", "").strip() or "1"
    number = params.whole_number(raw_page, minimum=1)
    if number is None:
        return error("page", _("The page must be a whole number from 1."))
    paginator = Paginator(statements_of(day), settings.STATEMENTS_PER_PAGE)
    try:
        page = paginator.page(number)
    except InvalidPage:
        return error(
            "page",
            _("There is no page %(page)s for %(day)s; it has %(pages)d.")
            % {"page": raw_page[:10], "day": day.isoformat(), "pages": paginator.num_pages},
            status=404,
        )

    def link(number: int | None) -> str | None:
        if number is None:
            return None
        query = urlencode({"date": day.isoformat(), "page": str(number)})
        return request.build_absolute_uri(f"{reverse('api-statements')}?{query}")

    response = JsonResponse(
        {
            "date": day.isoformat(),
            "page": page.number,
            "pages": paginator.num_pages,
            "count": paginator.count,
            "next": link(page.next_page_number() if page.has_next() else None),
            "previous": link(page.previous_page_number() if page.has_previous() else None),
            "results": [
                {
                    "alias": person.name,
                    "organisations": _organisation_slugs(person),
                    "region": person.region,
                    "channel": person.submission.channel,
                    "statement": person.statement,
                    "date": day.isoformat(),
                    # With these anyone can check the statement against its log entry
                    # (tuidang verify, docs/log-format.md); removal deletes the salt.
                    "leaf_index": person.leaf_index,
                    "salt": b64encode(bytes(person.salt)).decode("ascii") if person.salt else None,
                }
                for person in page.object_list
            ],
        },
        json_dumps_params=_JSON,
    )
    return _cache_for_day(response, day)


class _Echo:
    """A file-like object whose ``write`` hands the row back, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    # A statement is untrusted text: keep spreadsheet programs from running it as a formula.
    return f"'{value}" if value.startswith(FORMULA_START) else value


@open_data
def statements_csv(request):
    day, problem = _requested_day(request)
    if day is None:
        return problem
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["date", "alias", "organisations", "region", "channel", "statement"])
        for person in statements_of(day).iterator(chunk_size=CSV_CHUNK):
            yield writer.writerow(
                [
                    day.isoformat(),
                    _cell(person.name),
                    " ".join(_organisation_slugs(person)),
                    person.region,
                    person.submission.channel,
                    _cell(person.statement),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="statements-{day.isoformat()}.csv"'
    )
    return _cache_for_day(response, day)


@functools.cache
def _openapi_document() -> bytes:
    return OPENAPI_PATH.read_bytes()


@open_data
def openapi(request):
    response = HttpResponse(_openapi_document(), content_type="application/json")
    patch_cache_control(response, public=True, max_age=OPENAPI_MAX_AGE)
    return response
