from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "tuidang.cases"
    label = "cases"
    verbose_name = _("Cases")

    def staff_panel(self, request) -> str:
        """Casework alerts for the staff home (``accounts.views.staff_panels``)."""
        from tuidang.cases.casework import staff_panel

        return staff_panel(request)
