from django.urls import path

from peixun.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list_view, name="event_list"),
    path("export/", views.event_export_view, name="event_export"),
]
