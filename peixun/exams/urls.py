from django.urls import path

from peixun.exams import bank_views, manage_views, practice_views, results_views, views

app_name = "exams"
urlpatterns = [
    # Examinees
    path("", views.home_view, name="home"),
    path("<int:pk>/", views.exam_detail_view, name="exam_detail"),
    path("<int:pk>/start/", views.exam_start_view, name="exam_start"),
    path("attempts/<int:pk>/", views.attempt_view, name="attempt"),
    path("attempts/<int:pk>/result/", views.attempt_result_view, name="attempt_result"),
    # Question bank
    path("questions/", bank_views.question_list_view, name="question_list"),
    path("questions/new/", bank_views.question_new_view, name="question_new"),
    path("questions/import/", bank_views.question_import_view, name="question_import"),
    path("questions/export/", bank_views.question_export_view, name="question_export"),
    path("questions/template/", bank_views.question_template_view, name="question_template"),
    path("questions/<int:pk>/", bank_views.question_detail_view, name="question_detail"),
    path("questions/<int:pk>/image/", bank_views.question_image_view, name="question_image"),
    path("questions/<int:pk>/edit/", bank_views.question_edit_view, name="question_edit"),
    path("questions/<int:pk>/status/", bank_views.question_status_view, name="question_status"),
    # Organiser
    path("papers/", manage_views.paper_list_view, name="paper_list"),
    path("papers/new/", manage_views.paper_new_view, name="paper_new"),
    path("papers/<int:pk>/", manage_views.paper_detail_view, name="paper_detail"),
    path("manage/", manage_views.exam_manage_list_view, name="exam_manage_list"),
    path("manage/new/", manage_views.exam_new_view, name="exam_new"),
    path("manage/<int:pk>/", manage_views.exam_manage_detail_view, name="exam_manage_detail"),
    path("manage/<int:pk>/release/", manage_views.exam_release_view, name="exam_release"),
    path("manage/<int:pk>/contest/", manage_views.contest_create_view, name="contest_create"),
    path("manage/<int:pk>/analysis/", manage_views.exam_analysis_view, name="exam_analysis"),
    path("manage/<int:pk>/analysis.xlsx", manage_views.exam_analysis_export_view, name="exam_analysis_export"),
    # Unit admins' results
    path("results/", results_views.results_list_view, name="results_list"),
    path("results/<int:pk>/", results_views.results_exam_view, name="results_exam"),
    path("results/<int:pk>/export.xlsx", results_views.results_export_view, name="results_export"),
    # Graders
    path("grading/", manage_views.grading_list_view, name="grading_list"),
    path("grading/<int:pk>/", manage_views.grading_exam_view, name="grading_exam"),
    path("grading/items/<int:pk>/", manage_views.grading_item_view, name="grading_item"),
    # Practice and contests
    path("practice/", practice_views.practice_view, name="practice"),
    path("practice/answer/", practice_views.practice_answer_view, name="practice_answer"),
    path("mistakes/", practice_views.mistakes_view, name="mistakes"),
    path("contests/", practice_views.contest_list_view, name="contest_list"),
    path("contests/<int:pk>/", practice_views.contest_detail_view, name="contest_detail"),
    path("contests/<int:pk>/ranking/", practice_views.contest_ranking_view, name="contest_ranking"),
]
