from django.urls import path

from peixun.teachers import views, views_edit

app_name = "teachers"
urlpatterns = [
    path("", views.round_list_view, name="round_list"),
    path("rounds/new/", views.round_create_view, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail_view, name="round_detail"),
    path("rounds/<int:pk>/edit/", views_edit.round_edit_view, name="round_edit"),
    path("rounds/<int:pk>/toggle/", views.round_toggle_view, name="round_toggle"),
    path("rounds/<int:pk>/apply/", views.apply_view, name="apply"),
    path("rounds/<int:pk>/nominate/", views.nominate_view, name="nominate"),
    path("applications/", views.application_list_view, name="application_list"),
    path("applications/<int:pk>/", views.application_detail_view, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit_view, name="application_edit"),
    path("applications/<int:pk>/opinion/", views_edit.application_opinion_view, name="application_opinion"),
    path("applications/<int:pk>/review/", views.application_review_view, name="application_review"),
    path("applications/<int:pk>/approve/", views.application_approve_view, name="application_approve"),
    path("samples/<int:pk>/", views.sample_download_view, name="sample_download"),
    path("pool/", views.teacher_list_view, name="teacher_list"),
    path("pool/new/", views.teacher_create_view, name="teacher_create"),
    path("pool/<int:pk>/", views.teacher_detail_view, name="teacher_detail"),
    path("pool/<int:pk>/edit/", views_edit.teacher_edit_view, name="teacher_edit"),
    path("pool/<int:pk>/status/", views.teacher_status_view, name="teacher_status"),
    path("pool/<int:pk>/review/", views.teacher_review_view, name="teacher_review"),
    path("pool/<int:pk>/assign/", views.teacher_assign_view, name="teacher_assign"),
]
