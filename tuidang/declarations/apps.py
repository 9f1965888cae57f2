from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "tuidang.declarations"
    verbose_name = "Declarations"

    def ready(self):
        # The audit page names these choices in the reader's language (accounts imports no
        # other app, so each app hands it its own).
        from django.utils.translation import gettext_lazy as _

        from tuidang.accounts.actions import register_object_label, register_value_labels
        from tuidang.declarations import models

        register_object_label("declarations.submission", _("Submission"))
        register_object_label("declarations.call", _("Call"))
        register_object_label("declarations.person", _("Person"))

        for key, choices in (
            ("channel", models.Channel),
            ("flags", models.Flag),
            ("outcome", models.CallOutcome),
            ("reason", models.RejectionReason),
            ("status", models.Status),
        ):
            register_value_labels(key, dict(choices.choices))
