from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "peixun.library"
    verbose_name = "讲义与资源库"
