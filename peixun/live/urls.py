from django.urls import path

from peixun.live import hooks, urls_player, views_operator

app_name = "live"
urlpatterns: list = [
    # nginx-rtmp callbacks: loopback and a secret only (see peixun.live.hooks), never user-facing.
    path("hooks/<str:secret>/publish/", hooks.publish, name="hook_publish"),
    path("hooks/<str:secret>/update/", hooks.update, name="hook_update"),
    path("hooks/<str:secret>/publish-done/", hooks.publish_done, name="hook_publish_done"),
    path("hooks/<str:secret>/record-done/", hooks.record_done, name="hook_record_done"),
    path("hooks/<str:secret>/hls-auth/", hooks.hls_auth, name="hook_hls_auth"),
    # The main venue's publishing page.
    path("publish/", views_operator.publish_list, name="publish_list"),
    path("lectures/<int:lecture_id>/publish/", views_operator.publish_page, name="publish"),
    path("lectures/<int:lecture_id>/publish/key/", views_operator.key_reveal, name="publish_key"),
    path("lectures/<int:lecture_id>/publish/rotate/", views_operator.key_rotate, name="publish_rotate"),
    path("lectures/<int:lecture_id>/publish/status/", views_operator.status_fragment, name="publish_status"),
]

# The watching side: player, replay, venue mode, heartbeats, monitor, class settings.
urlpatterns += urls_player.urlpatterns
