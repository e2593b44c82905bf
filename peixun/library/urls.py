from django.urls import path

from peixun.library import views

app_name = "library"
urlpatterns = [
    path("", views.index, name="index"),
    path("favourites/", views.favourites, name="favourites"),
    path("downloads/", views.downloads, name="downloads"),
    path("manage/", views.manage, name="manage"),
    path("resources/<int:pk>/", views.resource_detail, name="resource_detail"),
    path("resources/<int:pk>/preview/", views.resource_preview, name="resource_preview"),
    path("resources/<int:pk>/download/", views.resource_download, name="resource_download"),
    path("resources/<int:pk>/favourite/", views.resource_favourite, name="resource_favourite"),
    path("resources/<int:pk>/publish/", views.resource_publish, name="resource_publish"),
    path("resources/<int:pk>/edit/", views.resource_edit, name="resource_edit"),
    path("lectures/<int:lecture_pk>/handouts/", views.lecture_handouts, name="lecture_handouts"),
    path("files/<int:pk>/download/", views.handout_file_download, name="handout_file_download"),
    path("files/<int:file_pk>/organise/", views.resource_organise, name="resource_organise"),
]
