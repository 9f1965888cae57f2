"""The call log in the Django admin: read-only, every page audited, like the declarations."""

from django.contrib import admin

from tuidang.declarations.admin import ReadOnlyAdmin
from tuidang.hotline.models import Call


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["taken_at", "taken_by", "outcome", "submission"]
    list_filter = ["outcome"]
    date_hierarchy = "taken_at"
    list_select_related = ["taken_by"]
