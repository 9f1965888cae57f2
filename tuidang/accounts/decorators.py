"""Access to staff pages: logged in, second factor verified, and in one of the given roles."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from tuidang.accounts.models import ADMIN, ROLES


def has_role(user, *roles: str, names: frozenset[str] | None = None) -> bool:
    """Whether ``user`` holds one of ``roles`` (any staff role when none is given; admins and
    superusers always). ``names``: the user's group names if already read in this request
    (``request_role_names``), so that a page asks the database once, not once a check."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
    return ADMIN in names or bool(names.intersection(roles or ROLES))


def request_role_names(request) -> frozenset[str]:
    """The group names of ``request.user``, read once a request (kept on the request, for
    that user only: a new request, or another user on the same request, reads them again)."""
    user = request.user
    cached = getattr(request, "_tuidang_role_names", None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    names = frozenset(user.groups.values_list("name", flat=True)) if user.pk else frozenset()
    request._tuidang_role_names = (user.pk, names)
    return names


def staff_required(*roles: str):
    """Allow verified staff in any of ``roles`` (admins always); others go to the login page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated or not user.is_verified():
                return redirect_to_login(request.get_full_path())
            if not has_role(user, *roles, names=request_role_names(request)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
