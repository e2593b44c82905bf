"""Import and export pages (owned by peixun.org.imports)."""

from django.urls import path

from peixun.org import import_views

urlpatterns = [
    path("import/", import_views.import_start_view, name="import_start"),
]
