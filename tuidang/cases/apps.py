from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tuidang.cases"
    label = "cases"
    verbose_name = _("Cases")

    def staff_panel(self, request) -> str:
        """The cases' links and the casework alerts on the staff home
        (``accounts.views.staff_panels``)."""
        from django.template.loader import render_to_string

        from tuidang.cases.access import may_use_cases
        from tuidang.cases.casework import staff_panel

        if not may_use_cases(request.user):
            return ""
        return render_to_string("cases/_home_panel.html", {}, request) + staff_panel(request)
