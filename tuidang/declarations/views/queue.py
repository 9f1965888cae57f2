"""The moderator queue: flagged submissions, oldest first, accepted or rejected in bulk.

A rejected submission stays, counted with its reason; housekeeping deletes its text, contact
and note within the hour (docs/privacy.md). Each decision is
its own transaction with its audit event; counting is the models' business.
"""

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tuidang import numbers, params
from tuidang.accounts.decorators import staff_required
from tuidang.accounts.models import MODERATOR, AuditEvent
from tuidang.declarations.forms import reject_control_characters
from tuidang.declarations.models import (
    Flag,
    Person,
    RejectionReason,
    SelfApproval,
    Status,
    Submission,
)
from tuidang.declarations.views.intake import staff_page
from tuidang.formerrors import error_summary

PER_PAGE = 20
EARLIER_SHOWN = 5
ACCEPT, REJECT = "accept", "reject"


class ModerationForm(forms.Form):
    submissions = forms.ModelMultipleChoiceField(
        queryset=Submission.objects.all(),
        error_messages={
            "required": gettext_lazy("Select at least one submission."),
            "invalid_choice": gettext_lazy("Unknown submission: %(value)s."),
            "invalid_pk_value": gettext_lazy("Unknown submission: %(pk)s."),
        },
    )
    action = forms.ChoiceField(
        choices=[(ACCEPT, ACCEPT), (REJECT, REJECT)],
        error_messages={
            "required": gettext_lazy("Press “Accept” or “Reject”."),
            "invalid_choice": gettext_lazy("Press “Accept” or “Reject”."),
        },
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason for rejecting"),
        required=False,
        choices=[
            ("", gettext_lazy("— choose a reason —")),
            *(
                (value, label)
                for value, label in RejectionReason.choices
                if value != RejectionReason.EXPIRED  # housekeeping's reason, not a person's
            ),
        ],
    )
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=1000,
    )

    def clean_note(self):
        return reject_control_characters(self.cleaned_data["note"]).strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("action") == REJECT and not data.get("reason"):
            self.add_error("reason", _("Choose a reason for rejecting."))
        return data


def attach_earlier_matches(submissions) -> None:
    """Give each person of a submission flagged as a duplicate ``earlier``: the people in
    earlier, not rejected submissions with the same alias, region and organisations."""
    people = [
        person
        for submission in submissions
        if Flag.DUPLICATE in submission.flags
        for person in submission.people.all()
    ]
    if not people:
        return
    candidates = (
        Person.objects.filter(name_key__in={p.name_key for p in people if p.name_key})
        .exclude(submission__status=Status.REJECTED)
        .select_related("submission")
        .prefetch_related("organisations")
        .order_by("-submission_id", "position")[:1000]
    )
    by_key = defaultdict(list)
    for candidate in candidates:
        by_key[candidate.name_key, candidate.region].append(candidate)
    for person in people:
        organisations = {o.pk for o in person.organisations.all()}
        person.earlier = [
            candidate
            for candidate in by_key[person.name_key, person.region]
            if candidate.submission_id < person.submission_id
            and {o.pk for o in candidate.organisations.all()} == organisations
        ][:EARLIER_SHOWN]


def flag_counts(pending) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for flags in pending.values_list("flags", flat=True):
        for flag in flags:
            counts[flag] += 1
    return counts


def moderate(request, form) -> None:
    data = form.cleaned_data
    action, reason, note = data["action"], data["reason"], data["note"]
    done = skipped = own = people = 0
    for submission in data["submissions"]:
        # One transaction per decision: the state change and its audit event land together,
        # and one submission already taken by another moderator does not undo the rest.
        with transaction.atomic():
            if action == ACCEPT:
                try:
                    changed = submission.accept(by=request.user)
                except SelfApproval:
                    own += 1
                    continue
            else:
                changed = submission.reject(reason, by=request.user, note=note)
            if changed:
                count = submission.people.count()
                AuditEvent.record(
                    request.user,
                    f"declarations.{action}",
                    submission,
                    people=count,
                    flags=submission.flags,
                    **({"reason": reason, "note": note} if action == REJECT else {}),
                )
                done += 1
                people += count
            else:
                skipped += 1
    if done and action == ACCEPT:
        messages.success(
            request,
            ngettext(
                "Accepted %(count)s submission (%(people)s).",
                "Accepted %(count)s submissions (%(people)s).",
                done,
            )
            % {"count": numbers.number(done), "people": numbers.people(people)},
        )
    elif done:
        messages.success(
            request,
            ngettext(
                "Rejected %(count)s submission (%(people)s) as “%(reason)s”.",
                "Rejected %(count)s submissions (%(people)s) as “%(reason)s”.",
                done,
            )
            % {
                "count": numbers.number(done),
                "people": numbers.people(people),
                "reason": RejectionReason(reason).label,
            },
        )
    if own:
        messages.error(
            request,
            ngettext(
                "%(count)d submission was entered by you: another moderator must accept it.",
                "%(count)d submissions were entered by you: another moderator must accept them.",
                own,
            )
            % {"count": own},
        )
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d submission was no longer waiting (someone else decided it) and was left as it is.",
                "%(count)d submissions were no longer waiting (someone else decided them) and were left as they are.",
                skipped,
            )
            % {"count": skipped},
        )


@staff_required(MODERATOR)
def queue(request):
    flag = request.GET.get("flag", "")
    if flag not in Flag.values:
        flag = ""
    state = {k: v for k, v in (("flag", flag), ("page", request.GET.get("page", ""))) if v}
    form = ModerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        moderate(request, form)
        url = reverse("declarations-queue")
        return redirect(f"{url}?{urlencode(state)}" if state else url)

    all_pending = Submission.objects.pending()
    pending = all_pending.order_by("created_at", "pk")
    if flag:
        # Flags are a JSON list of strings; matching the quoted string works on SQLite and PostgreSQL.
        pending = pending.filter(flags__icontains=f'"{flag}"')
    pending = pending.select_related("entered_by").prefetch_related(
        Prefetch("people", queryset=Person.objects.prefetch_related("organisations"))
    )
    page = Paginator(pending, PER_PAGE).get_page(params.whole_number(request.GET.get("page")))
    submissions = list(page.object_list)
    attach_earlier_matches(submissions)
    if form.is_bound:
        selected = {str(pk) for pk in request.POST.getlist("submissions")}
    elif request.GET.get("select") == "all":
        selected = {str(s.pk) for s in submissions}
    else:
        selected = set()
    counts = flag_counts(all_pending)
    # Reading declarants' names is audited too: one event per page shown, naming what was on it.
    AuditEvent.record(
        request.user,
        "declarations.queue_viewed",
        flag=flag,
        page=page.number,
        submissions=[s.pk for s in submissions],
    )
    summary = error_summary(form)
    for line in summary:
        # The boxes are drawn by hand, one per submission: point at the first of them.
        if line["href"].startswith("#id_submissions"):
            line["href"] = f"#select-{submissions[0].pk}" if submissions else "#queue-form"
    return staff_page(
        request,
        "declarations/staff/queue.html",
        {
            "form": form,
            "error_summary": summary,
            "page": page,
            "submissions": submissions,
            "selected": selected,
            "flag": flag,
            "flags": [(value, label, counts.get(value, 0)) for value, label in Flag.choices],
            "total": all_pending.count(),
            "state": urlencode(state),
            "select_all_query": urlencode({**state, "select": "all"}),
        },
    )
