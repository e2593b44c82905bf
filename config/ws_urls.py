"""Websocket routes. Every consumer checks the actor's scope at connect."""

from django.urls import path

from peixun.chat.consumers import ChatConsumer
from peixun.core.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/chat/<int:lecture_id>/", ChatConsumer.as_asgi()),
]
