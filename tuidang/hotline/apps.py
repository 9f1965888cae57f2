from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "tuidang.hotline"
    verbose_name = "Hotline"

    def ready(self):
        from tuidang.declarations.models import forgetting
        from tuidang.hotline import models

        forgetting.connect(models.forget_calls, dispatch_uid="hotline-forget-calls")

        # The audit page names calls and their outcomes in the reader's language.
        from django.utils.translation import gettext_lazy as _

        from tuidang.accounts.actions import register_object_label, register_value_labels

        register_object_label(f"{models.Call._meta.app_label}.call", _("Call"))
        register_value_labels("outcome", dict(models.CallOutcome.choices))

    def staff_panel(self, request) -> str:
        """The call log's link on the staff home (``accounts.views.staff_panels``)."""
        from django.template.loader import render_to_string

        from tuidang.accounts.decorators import has_role
        from tuidang.accounts.models import VOLUNTEER

        if not has_role(request.user, VOLUNTEER):
            return ""
        return render_to_string("hotline/_home_panel.html", {}, request)
