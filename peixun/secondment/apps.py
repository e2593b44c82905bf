from django.apps import AppConfig


class SecondmentConfig(AppConfig):
    name = "peixun.secondment"
    verbose_name = "双向学习锻炼"
