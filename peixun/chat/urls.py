from django.urls import path

from peixun.chat import views

app_name = "chat"
urlpatterns = [
    path("lectures/<int:lecture_id>/", views.lecture_room_view, name="lecture_room"),
    path("lectures/<int:lecture_id>/export/", views.export_view, name="export"),
    path("lectures/<int:lecture_id>/export/submit/", views.export_submit_view, name="export_submit"),
    path("lectures/<int:lecture_id>/words/", views.words_view, name="words"),
    path("lectures/<int:lecture_id>/words/<int:word_id>/remove/", views.word_remove_view, name="word_remove"),
    path("words/", views.global_words_view, name="global_words"),
]
