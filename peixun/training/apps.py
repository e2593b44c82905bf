from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "peixun.training"
    verbose_name = "培训管理"
