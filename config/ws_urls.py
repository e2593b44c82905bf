"""Websocket routes. Every consumer checks the actor's scope at connect."""

from peixun.core.consumers import PingConsumer
from django.urls import path

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
]
