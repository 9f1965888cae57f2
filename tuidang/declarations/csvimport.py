"""CSV import of transcribed declarations: every row checked by the forms every channel uses.

``parse(data)`` reads the file and validates each row with ``PersonForm`` and the date and
channel rules of ``StaffSubmissionForm``; it writes nothing. It returns the families that are
fit to keep and, for every row that is not, its physical line in the file (the header is line 1)
and the reason in the active language. A fault of the whole file (not UTF-8, wrong header, empty,
too big) raises ``ImportRefused`` and nothing is kept. ``save(...)`` then submits the kept
families through ``Submission.objects.submit``, like every other way in. The staff page and the
``importcsv`` command share both.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tuidang.declarations.forms import PersonForm, StaffSubmissionForm
from tuidang.declarations.models import Status, Submission

COLUMNS = ("name", "organisations", "region", "statement", "date", "channel", "family")
REQUIRED_COLUMNS = ("name", "organisations", "date", "channel")
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
ORGANISATION_SEPARATORS = (";", "|")


class ImportRefused(Exception):
    """The file as a whole cannot be imported; ``message`` says why, in the active language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class Family:
    """Rows that become one submission: one row, or consecutive rows sharing a family key."""

    key: str
    lines: list[int] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    declared_on: date | None = None
    channel: str = ""


@dataclass
class Parsed:
    families: list[Family]
    errors: list[RowError]

    @property
    def rows(self) -> int:
        return sum(len(f.lines) for f in self.families) + len(self.errors)


@dataclass
class Saved:
    kept: list[tuple[Submission, Family]]
    errors: list[RowError]

    @property
    def submissions(self) -> list[Submission]:
        return [submission for submission, _family in self.kept]

    @property
    def people(self) -> int:
        return sum(len(family.people) for _submission, family in self.kept)

    @property
    def accepted(self) -> int:
        return sum(len(f.people) for s, f in self.kept if s.status == Status.ACCEPTED)

    @property
    def queued(self) -> int:
        """People kept but waiting in the moderator queue (flagged by the moderation policy)."""
        return sum(len(f.people) for s, f in self.kept if s.status == Status.PENDING)


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise ImportRefused(
            _("The file is too large: at most %(mb)d MB can be imported at once. Split it.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )


def decode(data: bytes) -> str:
    check_size(len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            _(
                "The file is not UTF-8 text (line %(line)d cannot be read). Save it again as "
                "“CSV UTF-8” (in Excel: Save As → CSV UTF-8; in WPS or LibreOffice choose the "
                "UTF-8 character set) and upload it again."
            )
            % {"line": line}
        ) from None
    if not text.strip():
        raise ImportRefused(_("The file is empty."))
    return text


def check_header(header: list[str]) -> list[str]:
    columns = [name.strip().lower() for name in header]
    unknown = [name for name in columns if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        problems.append(
            _("Unknown columns: %(columns)s.") % {"columns": ", ".join(n or '""' for n in unknown)}
        )
    if repeated:
        problems.append(_("Repeated columns: %(columns)s.") % {"columns": ", ".join(repeated)})
    if problems:
        problems.append(
            _("The first line must be the header, for example: %(header)s")
            % {"header": ",".join(COLUMNS)}
        )
        raise ImportRefused(" ".join(problems))
    return columns


def records(text: str):
    """``(first physical line, fields)`` for each non-blank record after the header.

    A quoted field may span lines; a record is reported at the line where it starts.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    last_line = 0
    try:
        for fields in reader:
            start, last_line = last_line + 1, reader.line_num
            if fields and any(f.strip() for f in fields):
                yield start, fields
    except csv.Error as error:
        raise ImportRefused(
            _("Line %(line)d is not valid CSV (%(error)s); nothing was imported.")
            % {"line": last_line + 1, "error": error}
        ) from None


def split_organisations(value: str) -> list[str]:
    for separator in ORGANISATION_SEPARATORS[1:]:
        value = value.replace(separator, ORGANISATION_SEPARATORS[0])
    return [
        slug.strip().lower() for slug in value.split(ORGANISATION_SEPARATORS[0]) if slug.strip()
    ]


def form_errors(form, columns: dict[str, str]) -> list[str]:
    """A form's errors, each led by the CSV column it concerns rather than the form label."""
    messages = []
    for name, errors in form.errors.items():
        for message in errors:
            column = columns.get(name)
            messages.append(f"{column}: {message}" if column else message)
    return messages


def check_row(row: dict[str, str]) -> tuple[dict | None, dict | None, list[str]]:
    """Validate one row; return (person, submission fields, reasons)."""
    person_form = PersonForm(
        data={
            "name": row.get("name", ""),
            "organisations": split_organisations(row.get("organisations", "")),
            "statement": row.get("statement", ""),
            "region": row.get("region", "").strip().upper(),
        }
    )
    submission_form = StaffSubmissionForm(
        data={
            "declared_on": row.get("date", "").strip(),
            "channel": row.get("channel", "").strip().lower(),
        }
    )
    reasons = form_errors(
        person_form,
        {
            "name": "name",
            "organisations": "organisations",
            "statement": "statement",
            "region": "region",
        },
    ) + form_errors(submission_form, {"declared_on": "date", "channel": "channel"})
    if reasons:
        return None, None, reasons
    return person_form.person(), submission_form.cleaned_data, []


def parse(data: bytes) -> Parsed:
    """Validate a whole file; keep every family whose rows are all valid."""
    # Read every record first (cheap) so that a file over the limit is refused before any
    # row is validated (about 10 ms a row).
    rows = list(records(decode(data)))
    if not rows:
        raise ImportRefused(_("The file is empty."))
    (header_line, header), rows = rows[0], rows[1:]
    if header_line != 1:
        raise ImportRefused(_("The first line must be the header, not blank."))
    columns = check_header(header)
    if len(rows) > MAX_ROWS:
        raise ImportRefused(
            _("The file has more than %(max)d rows; split it into smaller files.")
            % {"max": MAX_ROWS}
        )

    families: list[Family] = []
    bad: set[int] = set()  # indices of families with a bad row: none of their rows is kept
    errors: list[RowError] = []
    for line, fields in rows:
        row = dict(zip(columns, fields, strict=False))
        key = row.get("family", "").strip()
        if len(fields) > len(columns):
            reasons = [
                _("This line has %(found)d fields but the header has %(expected)d.")
                % {"found": len(fields), "expected": len(columns)}
            ]
            person, fields_ok = None, None
        else:
            person, fields_ok, reasons = check_row(row)

        family = families[-1] if families else None
        if not (key and family and family.key == key):
            family = Family(key=key)
            families.append(family)
        index = len(families) - 1
        family.lines.append(line)
        if person is not None and fields_ok is not None:
            if not family.people:
                family.declared_on, family.channel = fields_ok["declared_on"], fields_ok["channel"]
            if (fields_ok["declared_on"], fields_ok["channel"]) != (
                family.declared_on,
                family.channel,
            ):
                reasons = [
                    _(
                        "Every row of a family needs the same date and channel as its first row (line %(line)d)."
                    )
                    % {"line": family.lines[0]}
                ]
            elif len(family.people) >= settings.FAMILY_MAX_SIZE:
                reasons = [
                    ngettext(
                        "One submission can hold at most %(max)d person; start a new family.",
                        "One submission can hold at most %(max)d people; start a new family.",
                        settings.FAMILY_MAX_SIZE,
                    )
                    % {"max": settings.FAMILY_MAX_SIZE}
                ]
            else:
                family.people.append(person)
        if reasons:
            bad.add(index)
            errors.append(RowError(line, " ".join(reasons)))

    kept = []
    failed_lines = {e.line for e in errors}
    for index, family in enumerate(families):
        if index not in bad:
            kept.append(family)
            continue
        first_bad = min(line for line in family.lines if line in failed_lines)
        errors.extend(
            RowError(
                line,
                ngettext(
                    "Not imported because another row of its family (“%(family)s”) has an error, on line %(bad)d.",
                    "Not imported because other rows of its family (“%(family)s”) have errors, first on line %(bad)d.",
                    len({ln for ln in family.lines if ln in failed_lines}),
                )
                % {"family": family.key, "bad": first_bad},
            )
            for line in family.lines
            if line not in failed_lines
        )
    errors.sort(key=lambda error: error.line)
    if not kept and not errors:
        raise ImportRefused(_("The file has a header but no rows."))
    return Parsed(families=kept, errors=errors)


def save(parsed: Parsed, *, entered_by, language: str = "", source: str = "web") -> Saved:
    """Submit every kept family and record one audit event with the counts, in one transaction.

    One transaction, so that an import stops whole or not at all and its audit event always
    matches what it stored.
    """
    from tuidang.accounts.models import AuditEvent, command_line_detail

    kept = []
    with transaction.atomic():
        for family in parsed.families:
            submission, _code = Submission.objects.submit(
                people=family.people,
                declared_on=family.declared_on,
                channel=family.channel,
                language=language,
                entered_by=entered_by,
            )
            kept.append((submission, family))
        saved = Saved(kept=kept, errors=parsed.errors)
        AuditEvent.record(
            entered_by,
            "declarations.import",
            source=source,
            submissions=len(kept),
            people=saved.people,
            accepted=saved.accepted,
            queued=saved.queued,
            bad_rows=len(parsed.errors),
            submission_ids=[s.pk for s in saved.submissions],
            **(command_line_detail("importcsv") if source == "command" else {}),
        )
    return saved
