from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "tuidang.newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from tuidang.newsroom import signals  # noqa: F401 - connects the receivers

    def staff_panel(self, request) -> str:
        """The newsroom's link on the staff home (``accounts.views.staff_panels``)."""
        from django.template.loader import render_to_string

        from tuidang.accounts.decorators import has_role
        from tuidang.accounts.models import EDITOR

        if not has_role(request.user, EDITOR):
            return ""
        return render_to_string("newsroom/_home_panel.html", {}, request)
