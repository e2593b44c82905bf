from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "peixun.live"
    verbose_name = "教学直播"
