from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "peixun.chat"
    verbose_name = "在线互动"
