"""Import and export pages (owned by peixun.org.imports)."""

from django.urls import path

from peixun.org import import_views

urlpatterns = [
    path("import/", import_views.import_start_view, name="import_start"),
    path("import/template/<str:kind>/", import_views.import_template_view, name="import_template"),
    path("import/jobs/<int:pk>/", import_views.import_job_view, name="import_job"),
    path("import/jobs/<int:pk>/status/", import_views.import_job_status_view, name="import_job_status"),
    path("import/jobs/<int:pk>/apply/", import_views.import_job_apply_view, name="import_job_apply"),
    path("import/jobs/<int:pk>/errors/", import_views.import_job_errors_view, name="import_job_errors"),
    path("export/units/", import_views.export_units_view, name="export_units"),
    path("export/cadres/", import_views.export_cadres_view, name="export_cadres"),
]
