from django.apps import AppConfig


class TeachersConfig(AppConfig):
    name = "peixun.teachers"
    verbose_name = "师资库"
