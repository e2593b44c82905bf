from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "peixun.exams"
    verbose_name = "考试练兵"
