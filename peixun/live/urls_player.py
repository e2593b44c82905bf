"""The watching side's URLs (appended to peixun/live/urls.py)."""

from django.urls import path

from peixun.live import views_player

urlpatterns = [
    path("lectures/", views_player.player_list_view, name="player_list"),
    path("lectures/<int:pk>/watch/", views_player.player_view, name="player"),
    path("lectures/<int:pk>/replay/", views_player.replay_view, name="replay"),
    path("lectures/<int:pk>/watch/status/", views_player.status_view, name="watch_status"),
    path("lectures/<int:pk>/watch/heartbeat/", views_player.heartbeat_view, name="heartbeat"),
    path("lectures/<int:pk>/watch/attention/", views_player.attention_view, name="attention"),
    path("lectures/<int:pk>/venue/<int:venue_pk>/", views_player.venue_view, name="venue"),
    path(
        "lectures/<int:pk>/venue/<int:venue_pk>/headcount/", views_player.venue_headcount_view, name="venue_headcount"
    ),
    path("monitor/", views_player.monitor_view, name="monitor"),
    path("monitor/panel/", views_player.monitor_panel_view, name="monitor_panel"),
    path("classes/<int:pk>/settings/", views_player.settings_view, name="class_settings"),
]
