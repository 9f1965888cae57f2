"""Who may open which case: the one place that decides, used by every view of the app.

A case is open to its owner, its backup, the members of its team and the people it was
explicitly granted to — and only to staff who hold the researcher or caseworker role (or
admin). **Admins do not see every case**: an admin reaches a case the same way as anyone
else, by a grant, which is recorded with who gave it and audit-logged. The centre assumes a
planted volunteer may one day be an admin; reading a case must always leave a trace naming
the person who opened the door. (An admin can grant themselves access, on the command line
``tuidang cases grant`` or in a case's page if they hold it; both are in the audit log.)

``get_case_for_user`` answers ``Http404`` both for a case that does not exist and for one the
user may not open, so the answer never tells whether a case number exists.
"""

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest

from tuidang.accounts.decorators import has_role, request_role_names
from tuidang.accounts.models import CASEWORKER, RESEARCHER
from tuidang.cases.models import Case, CaseGrant, CaseQuerySet, Team

CASE_ROLES = (RESEARCHER, CASEWORKER)


def _user(request_or_user) -> Any:
    if isinstance(request_or_user, HttpRequest):
        return request_or_user.user
    return request_or_user


def may_use_cases(request_or_user) -> bool:
    user = _user(request_or_user)
    if isinstance(request_or_user, HttpRequest) and user.is_authenticated:
        # The roles read once a request (the page's decorator has read them already).
        return has_role(user, *CASE_ROLES, names=request_role_names(request_or_user))
    return has_role(user, *CASE_ROLES)


def cases_for_user(request_or_user) -> CaseQuerySet:
    """Every case ``user`` may open: owner, backup, team member or explicit grant."""
    if not may_use_cases(request_or_user):
        return Case.objects.none()
    user = _user(request_or_user)
    granted = CaseGrant.objects.filter(user=user).values("case_id")
    # The user's teams from the membership table alone (no join with the teams themselves).
    teams = Team.members.through.objects.filter(user=user).values("team_id")
    return Case.objects.filter(
        Q(owner=user) | Q(backup=user) | Q(team__in=teams) | Q(pk__in=granted)
    )


def get_case_for_user(request_or_user, case_id) -> Case:
    """The case ``case_id`` if ``user`` may open it; ``Http404`` if missing or forbidden alike."""
    try:
        return cases_for_user(request_or_user).get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case.") from None
