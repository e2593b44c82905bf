from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "peixun.audit"
    verbose_name = "审计日志"
