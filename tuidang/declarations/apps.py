from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "tuidang.declarations"
    verbose_name = "Declarations"

    def staff_panel(self, request) -> str:
        """The declarations' part of the staff home (``accounts.views.staff_panels``)."""
        from django.template.loader import render_to_string

        from tuidang.accounts.decorators import has_role
        from tuidang.accounts.models import ADMIN, HELPER, MODERATOR, VOLUNTEER
        from tuidang.declarations.models import Submission
        from tuidang.declarations.views.helpers import counts_for

        user = request.user
        context: dict[str, object] = {
            "is_helper": has_role(user, HELPER),
            "is_volunteer": has_role(user, VOLUNTEER),
            "is_moderator": has_role(user, MODERATOR),
            "is_admin": has_role(user, ADMIN),
        }
        if context["is_moderator"]:
            context["pending_count"] = Submission.objects.pending().count()
        if context["is_helper"]:
            context["helper_counts"] = counts_for(user)
        if not any(context.values()):
            return ""
        return render_to_string("declarations/staff/_home_panel.html", context, request)

    def log_export(self, directory, write) -> dict[str, int]:
        """The tally and the statements beside the log (``transparency.logexport``)."""
        from tuidang.declarations import export

        return export.export(directory, write)

    def ready(self):
        # The audit page names these choices in the reader's language (accounts imports no
        # other app, so each app hands it its own).
        from django.utils.translation import gettext_lazy as _

        from tuidang.accounts.actions import register_object_label, register_value_labels
        from tuidang.declarations import models

        register_object_label("declarations.submission", _("Submission"))
        register_object_label("declarations.person", _("Person"))

        for key, choices in (
            ("channel", models.Channel),
            ("flags", models.Flag),
            ("reason", models.RejectionReason),
            ("status", models.Status),
        ):
            register_value_labels(key, dict(choices.choices))
