from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "peixun.offices"
    verbose_name = "教研室"
