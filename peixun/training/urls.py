from django.urls import path

from peixun.training import views, views_checkin, views_docs

app_name = "training"
urlpatterns = [
    path("classes/", views.class_list_view, name="class_list"),
    path("classes/new/", views.class_create_view, name="class_create"),
    path("classes/<int:pk>/", views.class_detail_view, name="class_detail"),
    path("classes/<int:pk>/status/", views.class_status_view, name="class_status"),
    path("classes/<int:pk>/lectures/new/", views.lecture_create_view, name="lecture_create"),
    path("classes/<int:pk>/enrol/", views.enrol_view, name="enrol"),
    path("classes/<int:pk>/import/", views.enrol_import_view, name="enrol_import"),
    path("classes/<int:pk>/allocate/", views.allocate_view, name="allocate"),
    path("classes/<int:pk>/allocation/", views.allocation_view, name="allocation"),
    path("classes/<int:pk>/signin/<int:venue_pk>/", views_docs.signin_sheet_view, name="signin_sheet"),
    path("classes/<int:pk>/certificates/", views_docs.certificates_issue_view, name="certificates_issue"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw_view, name="withdraw"),
    path("enrolments/<int:pk>/place/", views.placement_view, name="place"),
    path("lectures/<int:pk>/", views_checkin.lecture_detail_view, name="lecture_detail"),
    path("lectures/<int:pk>/projector/<int:venue_pk>/", views_checkin.projector_view, name="projector"),
    path("lectures/<int:pk>/checkin/<int:venue_pk>/", views_checkin.checkin_view, name="checkin"),
    path("lectures/<int:pk>/attendance/<int:venue_pk>/", views_checkin.attendance_view, name="attendance"),
    path("lectures/<int:pk>/evaluate/", views_checkin.evaluate_view, name="evaluate"),
    path("certificates/<int:pk>/pdf/", views_docs.certificate_pdf_view, name="certificate_pdf"),
    path("verify/<str:token>/", views_docs.verify_view, name="verify"),
    path("record/", views_docs.record_view, name="record"),
    path("coverage/", views_docs.coverage_view, name="coverage"),
    path("coverage/export/", views_docs.coverage_export_view, name="coverage_export"),
    path("notifications/", views_docs.notifications_view, name="notifications"),
    path("venues/", views_docs.venue_list_view, name="venue_list"),
]
