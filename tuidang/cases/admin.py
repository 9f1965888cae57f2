"""What admins edit in the Django admin: the vocabularies (in three languages), redaction
profiles and teams. Every change is audited (``AuditedAdminMixin``).

Cases, people and everything in them are deliberately not here: the admin would show them to
every admin, while a case is open only to its owner, backup, team and grants (access.py).
"""

from django.contrib import admin

from tuidang.accounts.admin import AuditedAdminMixin
from tuidang.cases.models import RedactionProfile, Team, Term


@admin.register(Term)
class TermAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["vocabulary", "code", "label_zh_hans", "label_zh_hant", "label_en", "active"]
    list_filter = ["vocabulary", "active"]
    search_fields = ["code", "label_zh_hans", "label_zh_hant", "label_en"]

    def get_readonly_fields(self, request, obj=None):
        # A code names the same thing forever: imports, exports and old dossiers use it.
        return ["vocabulary", "code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # acts point at terms; retire one with "in use" instead


@admin.register(RedactionProfile)
class RedactionProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "recipient_kind", "real_names", "birth_dates", "cities", "sources"]


@admin.register(Team)
class TeamAdmin(AuditedAdminMixin, admin.ModelAdmin):
    filter_horizontal = ["members"]
