from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "tuidang.declarations"
    verbose_name = "Declarations"

    def staff_panel(self, request) -> str:
        """The declarations' part of the staff home (``accounts.views.staff_panels``)."""
        from django.template.loader import render_to_string

        from tuidang.accounts.decorators import has_role
        from tuidang.accounts.models import ADMIN, MODERATOR, VOLUNTEER
        from tuidang.declarations.models import Submission

        user = request.user
        context = {
            "is_volunteer": has_role(user, VOLUNTEER),
            "is_moderator": has_role(user, MODERATOR),
            "is_admin": has_role(user, ADMIN),
        }
        if context["is_moderator"]:
            context["pending_count"] = Submission.objects.pending().count()
        if not any(context.values()):
            return ""
        return render_to_string("declarations/staff/_home_panel.html", context, request)

    def log_export(self, directory, write) -> dict[str, int]:
        """The tally and the statements beside the log (``transparency.logexport``)."""
        from tuidang.declarations import export

        return export.export(directory, write)
