from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tuidang.accounts"
    verbose_name = "Staff accounts"

    def ready(self):
        from django.contrib import admin
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect

        from tuidang.accounts.decorators import has_role
        from tuidang.accounts.models import ADMIN

        # The Django admin is for admins who passed the second factor; its own password-only
        # login page is replaced by ours.
        def has_permission(request):
            user = request.user
            return user.is_authenticated and user.is_verified() and has_role(user, ADMIN)

        def login(request, extra_context=None):
            from django.contrib.auth.views import redirect_to_login
            from django.urls import reverse
            from django.utils.http import url_has_allowed_host_and_scheme

            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                target = reverse("admin:index")
            if has_permission(request):
                return redirect(target)
            if request.user.is_authenticated and request.user.is_verified():
                raise PermissionDenied  # staff, but not an admin: logging in again won't help
            return redirect_to_login(target)

        # Replaced on the one default site object rather than by a subclass, so the admin's
        # autodiscovered registrations stay where they are (setattr: the stubs call these
        # read-only methods, and logout answers a redirect, not a TemplateResponse).
        setattr(admin.site, "has_permission", has_permission)  # noqa: B010
        setattr(admin.site, "login", login)  # noqa: B010
        setattr(  # noqa: B010
            admin.site, "logout", lambda request, extra_context=None: redirect("accounts-logout")
        )
