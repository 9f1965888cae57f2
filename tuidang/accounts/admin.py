"""The Django admin, for admins only, and every change made in it written to the audit log.

``AccountsConfig.ready`` lets only verified admins into the admin site at all. Inside it,
the ``admin`` role is the permission: ``AuditedAdminMixin`` answers the model permission
checks from the role rather than from per-user Django permissions, and narrows them per model
(no deleting declarations, counters that nobody edits by hand).
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from tuidang.accounts.models import AuditEvent

# The mixins below go in front of a ModelAdmin; for the type checker they are one.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class AuditedAdminMixin(_ModelAdmin):
    """Admin-role permissions and an AuditEvent beside every LogEntry the admin writes.

    The admin calls ``log_addition``/``log_change``/``log_deletions`` inside the transaction
    that saves or deletes, so the audit row commits or rolls back with the change.
    """

    def _is_admin(self, request) -> bool:
        return self.admin_site.has_permission(request)

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request, *args):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_admin(request)

    def log_addition(self, request, obj, message):
        AuditEvent.record(request.user, "admin.added", obj, changes=message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        AuditEvent.record(request.user, "admin.changed", obj, changes=message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            AuditEvent.record(request.user, "admin.deleted", obj, was=str(obj))
        return super().log_deletions(request, queryset)

    def response_action(self, request, queryset, *args, **kwargs):
        # Django runs list actions outside a transaction; the audit row and the change must
        # not part ways. (*args: later Django versions add an argument.)
        with transaction.atomic():
            return super().response_action(request, queryset, *args, **kwargs)


class AuditedReadsMixin(_ModelAdmin):
    """One AuditEvent per admin page that shows declarants' data: the list (with its search,
    filters, page and the ids on it) and each object's page. Reads are audited because a
    planted moderator or admin harms declarants by reading, not only by changing."""

    # The list's own controls: recorded as "page", "search" and nothing else.
    _LIST_CONTROLS = {"p", "q", "o", "_changelist_filters"}

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if request.method == "GET" and changelist is not None:
            AuditEvent.record(
                request.user,
                "admin.viewed_list",
                model=self.model._meta.label_lower,
                search=changelist.query,
                filters={k: v for k, v in request.GET.items() if k not in self._LIST_CONTROLS},
                page=changelist.page_num,
                ids=[obj.pk for obj in changelist.result_list],
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                AuditEvent.record(request.user, "admin.viewed", obj)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                AuditEvent.record(request.user, "admin.viewed", obj, view="history")
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The audit log is append-only: admins read it here or at /staff/audit/."""

    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor__username", "action", "object_type", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)
# Second factors are enrolled with ``tuidang createstaff`` on the server's terminal; the
# admin would otherwise show every colleague's TOTP secret to every admin.
admin.site.unregister(TOTPDevice)


@admin.register(User)
class StaffUserAdmin(AuditedAdminMixin, UserAdmin):
    """Staff accounts: roles are the groups; deactivate rather than delete (audit rows keep
    pointing at their author)."""

    list_display = ["username", "email", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "groups"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Group)
class RoleAdmin(AuditedAdminMixin, GroupAdmin):
    """Roles are defined in code (``tuidang.accounts.models.ROLES``); people get them on the
    user page. Here they can only be looked at."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
