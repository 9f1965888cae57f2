from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "tuidang.hotline"
    verbose_name = "Hotline"

    def ready(self):
        from tuidang.declarations.models import forgetting
        from tuidang.hotline import models

        forgetting.connect(models.forget_calls, dispatch_uid="hotline-forget-calls")

    def staff_panel(self, request) -> str:
        """The call log's link on the staff home (``accounts.views.staff_panels``)."""
        from django.template.loader import render_to_string

        from tuidang.accounts.decorators import has_role
        from tuidang.accounts.models import VOLUNTEER

        if not has_role(request.user, VOLUNTEER):
            return ""
        return render_to_string("hotline/_home_panel.html", {}, request)
