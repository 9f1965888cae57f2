"""The Wagtail admin's door and the onion address.

``CmsAccessMiddleware``: everything under ``/cms/`` (Wagtail's admin, its login page included)
is for editors and admins who logged in through tuidang's login and passed its second factor.
Anyone else is sent to that login, or refused if they are staff in another role: there is no
password-only way in, and Wagtail's own login form is never shown. The admin's pages get a
content security policy of their own, allowing the inline styles and scripts Wagtail's admin
needs and still nothing from another origin; every other page keeps the strict one.

``OnionLocationMiddleware``: with ``TUIDANG_ONION_URL`` set, every page names its address on
the onion service (Tor Browser offers to switch).
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from tuidang.accounts.decorators import has_role
from tuidang.bodylimit import CMS_PREFIX

CMS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; font-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'"
)


def may_use_cms(user) -> bool:
    from tuidang.newsroom.models import EDITOR

    return user.is_authenticated and user.is_verified() and has_role(user, EDITOR)


class CmsAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(CMS_PREFIX):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated or not user.is_verified():
            return redirect_to_login(request.get_full_path())
        if not may_use_cms(user):
            raise PermissionDenied
        response = self.get_response(request)
        response["Content-Security-Policy"] = CMS_CONTENT_SECURITY_POLICY
        # Wagtail's preview shows the page in a frame of the admin itself.
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response


class OnionLocationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.ONION_URL and response.get("Content-Type", "").startswith("text/html"):
            response["Onion-Location"] = settings.ONION_URL + request.get_full_path()
        return response
