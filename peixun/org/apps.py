from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "peixun.org"
    verbose_name = "组织机构"
