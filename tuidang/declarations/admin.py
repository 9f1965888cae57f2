"""The declarations in the Django admin (admins only; every change is audited).

Organisations are data that staff edit, with a name in every language. Submissions and the
people in them are evidence: readable, never deletable, changed only by the one safety action
(removing names and statements). Counters are read-only, and so is the call log
(``tuidang/hotline/admin.py``). Every page here that shows them is audited (``AuditedReadsMixin``), searches included.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from tuidang.accounts.admin import AuditedAdminMixin, AuditedReadsMixin
from tuidang.accounts.models import AuditEvent
from tuidang.declarations.models import Organisation, Person, Submission, TallyCounter


class ReadOnlyAdmin(AuditedReadsMixin, AuditedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(AuditedReadsMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["slug", "name_zh_hans", "name_zh_hant", "name_en", "position", "active"]
    list_editable = ["position", "active"]
    search_fields = ["slug", "name_zh_hans", "name_zh_hant", "name_en"]

    def has_delete_permission(self, request, obj=None):
        # Deleting would silently drop the organisation from every declaration that named it;
        # an organisation nobody should pick any more is made inactive instead.
        return False

    def get_readonly_fields(self, request, obj=None):
        # The slug is in the API and in the log's entries: fixed once created.
        return ["slug"] if obj else []


PERSON_FIELDS = ("position", "name", "statement", "region", "removed_at")


class PersonInline(admin.TabularInline):
    model = Person
    fields = PERSON_FIELDS
    readonly_fields = PERSON_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request, obj=None):
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "channel", "declared_on", "created_at", "people_count"]
    list_filter = ["status", "channel", "rejection_reason"]
    date_hierarchy = "created_at"
    # The sealed contact and the receipt hash mean nothing on screen; only their presence.
    exclude = ["sealed_contact", "receipt_hash"]
    readonly_fields = ["has_contact", "has_receipt"]
    inlines = [PersonInline]
    actions = ["remove_statements"]

    @admin.display(description=pgettext_lazy("accounts", "People"))
    def people_count(self, submission):
        return submission.people.count()

    @admin.display(boolean=True, description=_("Contact details (sealed)"))
    def has_contact(self, submission):
        return submission.sealed_contact is not None

    @admin.display(boolean=True, description=pgettext_lazy("accounts", "Receipt"))
    def has_receipt(self, submission):
        return submission.receipt_hash is not None

    @admin.action(description=_("Remove names and statements for safety"))
    def remove_statements(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "accounts/admin_remove_statements.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Remove names and statements for safety"),
                    "submissions": queryset,
                    "opts": self.model._meta,
                    "action": "remove_statements",
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for submission in queryset:
            done = submission.remove_statements()
            # Counts only: what was deleted must not survive in the audit log.
            AuditEvent.record(
                request.user, "declarations.remove_statements", submission, **dict(done)
            )
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Names and statements removed from %(count)d submission; it stays counted.",
                "Names and statements removed from %(count)d submissions; they stay counted.",
                count,
            )
            % {"count": count},
        )
        return None


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "submission", "region", "removed_at"]
    list_filter = ["submission__status"]
    search_fields = ["name"]
    list_select_related = ["submission"]


@admin.register(TallyCounter)
class TallyCounterAdmin(ReadOnlyAdmin):
    list_display = ["key", "value"]
    search_fields = ["key"]
