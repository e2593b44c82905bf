from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "peixun.accounts"
    verbose_name = "账户与角色"
