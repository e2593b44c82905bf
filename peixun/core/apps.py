from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "peixun.core"
    verbose_name = "平台"
