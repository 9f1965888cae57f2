from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "tuidang.newsroom"
    verbose_name = "Newsroom"

    def ready(self):
        from tuidang.newsroom import signals  # noqa: F401 - connects the receivers
