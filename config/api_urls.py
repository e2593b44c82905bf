"""The JSON API: one router; each domain app lists its viewsets in `<app>/api.py` as ROUTES."""

from importlib import import_module

from django.conf import settings
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
for app in settings.DOMAIN_APPS:
    for prefix, viewset, basename in import_module(f"peixun.{app}.api").ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = router.urls
