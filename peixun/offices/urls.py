from django.urls import path

from peixun.offices import views, views_edit, views_members, views_work

app_name = "offices"
urlpatterns = [
    path("", views.office_list_view, name="office_list"),
    path("<int:pk>/", views.office_detail_view, name="office_detail"),
    path("<int:pk>/members/", views_members.member_list_view, name="member_list"),
    path("<int:pk>/members/search/", views_members.member_search_view, name="member_search"),
    path("<int:pk>/members/add/", views_members.member_add_view, name="member_add"),
    path("<int:pk>/members/<int:cadre_id>/role/", views_members.member_role_view, name="member_role"),
    path("<int:pk>/members/<int:cadre_id>/remove/", views_members.member_remove_view, name="member_remove"),
    path("<int:pk>/preps/new/", views.prep_create_view, name="prep_create"),
    path("preps/<int:pk>/", views.prep_detail_view, name="prep_detail"),
    path("preps/<int:pk>/edit/", views.prep_edit_view, name="prep_edit"),
    path("preps/<int:pk>/comment/", views.prep_comment_view, name="prep_comment"),
    path("preps/<int:pk>/meeting/", views.prep_meeting_view, name="prep_meeting"),
    path("preps/<int:pk>/sign-off/", views.prep_sign_off_view, name="prep_sign_off"),
    path("preps/<int:pk>/diff/", views.prep_diff_view, name="prep_diff"),
    path("preps/<int:pk>/handout/", views.prep_handout_view, name="prep_handout"),
    path("preps/<int:pk>/handout/submit/", views.prep_handout_submit_view, name="prep_handout_submit"),
    path("comments/<int:pk>/decide/", views.proposal_decide_view, name="proposal_decide"),
    path("<int:pk>/topics/new/", views_edit.topic_create_view, name="topic_create"),
    path("topics/<int:pk>/", views_work.topic_detail_view, name="topic_detail"),
    path("topics/<int:pk>/edit/", views_edit.topic_edit_view, name="topic_edit"),
    path("topics/<int:pk>/<str:action>/", views_work.topic_action_view, name="topic_action"),
    path("milestones/<int:pk>/edit/", views_edit.milestone_edit_view, name="milestone_edit"),
    path("milestones/<int:pk>/remove/", views_edit.milestone_remove_view, name="milestone_remove"),
    path("<int:pk>/textbooks/new/", views_edit.textbook_create_view, name="textbook_create"),
    path("textbooks/<int:pk>/", views_work.textbook_detail_view, name="textbook_detail"),
    path("textbooks/<int:pk>/edit/", views_edit.textbook_edit_view, name="textbook_edit"),
    path("chapters/<int:pk>/edit/", views_edit.chapter_edit_view, name="chapter_edit"),
    path("chapters/<int:pk>/remove/", views_edit.chapter_remove_view, name="chapter_remove"),
    path("textbooks/<int:pk>/<str:action>/", views_work.textbook_action_view, name="textbook_action"),
]
