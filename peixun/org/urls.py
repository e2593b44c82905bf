from django.urls import include, path

from peixun.org import views

app_name = "org"
urlpatterns = [
    path("units/", views.unit_tree_view, name="unit_tree"),
    path("units/<int:pk>/", views.unit_detail_view, name="unit_detail"),
    path("units/<int:pk>/children/", views.unit_children_view, name="unit_children"),
    path("cadres/", views.cadre_list_view, name="cadre_list"),
    path("cadres/<int:pk>/", views.cadre_detail_view, name="cadre_detail"),
    path("", include("peixun.org.import_urls")),
]
