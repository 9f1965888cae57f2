from django.apps import AppConfig


class MirrorConfig(AppConfig):
    name = "tuidang.mirror"
    label = "mirror"
    verbose_name = "Static mirror"
