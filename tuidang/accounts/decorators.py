"""Access to staff pages: logged in, second factor verified, and in one of the given roles."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from tuidang.accounts.models import ADMIN, ROLES


def has_role(user, *roles: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    names = set(user.groups.values_list("name", flat=True))
    return ADMIN in names or bool(names.intersection(roles or ROLES))


def staff_required(*roles: str):
    """Allow verified staff in any of ``roles`` (admins always); others go to the login page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated or not user.is_verified():
                return redirect_to_login(request.get_full_path())
            if not has_role(user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
