from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "tuidang.transparency"
    verbose_name = "Transparency log"
