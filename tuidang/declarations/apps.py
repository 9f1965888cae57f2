from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "tuidang.declarations"
    verbose_name = "Declarations"
