"""Websockets apply the same password rule as pages: an expired password opens no socket."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from peixun.accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def connects(client: Client) -> bool:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS and settings.ALLOWED_HOSTS[0] != "*" else "localhost"

    async def attempt() -> bool:
        # asgiref's communicator speaks the websocket protocol of ASGI directly, as uvicorn would.
        scope = {
            "type": "websocket",
            "path": "/ws/ping/",
            "query_string": b"",
            "headers": [(b"cookie", cookie.encode()), (b"origin", f"http://{host}".encode()), (b"host", host.encode())],
            "subprotocols": [],
        }
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "websocket.connect"})
        answer = await communicator.receive_output(timeout=5)
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await communicator.wait(timeout=5)
        return answer["type"] == "websocket.accept"

    return async_to_sync(attempt)()


def test_a_user_with_a_current_password_opens_a_socket(trainee_a1, client_of):
    assert connects(client_of(trainee_a1))


def test_a_user_whose_password_expired_opens_no_socket(trainee_a1, client_of):
    client = client_of(trainee_a1)
    User.objects.filter(pk=trainee_a1.pk).update(password_changed_at=None)
    assert not connects(client)
