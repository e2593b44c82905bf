from django.urls import path

from peixun.secondment import views, views_run

app_name = "secondment"
urlpatterns = [
    path("", views.batch_list_view, name="batch_list"),
    path("batches/new/", views.batch_form_view, name="batch_create"),
    path("batches/<int:pk>/", views.batch_detail_view, name="batch_detail"),
    path("batches/<int:pk>/edit/", views.batch_form_view, name="batch_edit"),
    path("batches/<int:pk>/publish/", views.batch_publish_view, name="batch_publish"),
    path("batches/<int:pk>/posts/", views.post_add_view, name="post_add"),
    path("batches/<int:pk>/quotas/", views.quota_set_view, name="quota_set"),
    path("batches/<int:pk>/attachments/", views.attachment_upload_view, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download_view, name="attachment_download"),
    path("batches/<int:pk>/apply/", views.apply_view, name="apply"),
    path("batches/<int:pk>/nominate/", views.nominate_view, name="nominate"),
    path("batches/<int:pk>/candidates/", views.candidate_list_view, name="candidate_list"),
    path("batches/<int:pk>/placement/", views_run.placement_view, name="placement"),
    path("batches/<int:pk>/placement/<str:action>/", views_run.placement_action_view, name="placement_action"),
    path("batches/<int:pk>/notice/<int:unit_pk>/", views_run.notice_pdf_view, name="notice_pdf"),
    path("batches/<int:pk>/report/", views_run.report_view, name="report"),
    path("batches/<int:pk>/report.xlsx", views_run.report_export_view, name="report_export"),
    path("s/<int:pk>/", views_run.secondment_detail_view, name="secondment_detail"),
    path("s/<int:pk>/act/<str:action>/", views_run.secondment_act_view, name="secondment_act"),
    path("s/<int:pk>/place/", views_run.placement_set_view, name="placement_set"),
    path("cadres/<int:pk>/record/", views_run.cadre_record_view, name="cadre_record"),
    path("sanctions/", views.sanction_list_view, name="sanction_list"),
]
