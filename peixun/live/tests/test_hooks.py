from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from peixun.live.models import LiveStream, StreamStatus
from peixun.live.tests.delivery_data import enrolled_fixture, lecture_fixture, stream_fixture  # noqa: F401
from peixun.live.tokens import hook_secret, playback_url

pytestmark = pytest.mark.django_db


def hook(name: str, secret: str | None = None) -> str:
    return reverse(f"live:{name}", kwargs={"secret": secret or hook_secret()})


def publish(client: Client, stream: LiveStream, key: str, **extra: str):
    data = {"call": "publish", "app": "live", "name": stream.name, "key": key, "clientid": "7", "addr": "10.1.1.1"}
    return client.post(hook("hook_publish"), data, **extra)


def test_nginx_publishes_with_the_right_key_and_is_refused_a_wrong_one(stream) -> None:
    client = Client()
    assert publish(client, stream, "wrong").status_code == 403
    assert publish(client, stream, stream.publish_key).status_code == 200
    assert LiveStream.objects.get(pk=stream.pk).status == StreamStatus.LIVE
    done = client.post(hook("hook_publish_done"), {"name": stream.name, "clientid": "7"})
    assert done.status_code == 200
    assert LiveStream.objects.get(pk=stream.pk).status == StreamStatus.ENDED


def test_the_callbacks_refuse_a_wrong_secret_a_proxied_request_and_a_remote_address(stream) -> None:
    client = Client()
    data = {"name": stream.name, "key": stream.publish_key, "clientid": "7"}
    assert client.post(hook("hook_publish", "0" * 64), data).status_code == 403
    # Through the front door nginx adds X-Forwarded-For (and answers 404 itself before that).
    assert publish(client, stream, stream.publish_key, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 403
    assert publish(client, stream, stream.publish_key, REMOTE_ADDR="10.9.9.9").status_code == 403
    assert client.get(hook("hook_publish")).status_code == 405
    assert LiveStream.objects.get(pk=stream.pk).status == StreamStatus.IDLE


def test_update_keeps_the_publisher_and_cuts_off_a_replaced_one(stream) -> None:
    client = Client()
    publish(client, stream, stream.publish_key)
    assert client.post(hook("hook_update"), {"name": stream.name, "clientid": "7"}).status_code == 200
    assert client.post(hook("hook_update"), {"name": stream.name, "clientid": "8"}).status_code == 403


def test_a_record_done_outside_the_recordings_directory_is_refused(stream) -> None:
    response = Client().post(hook("hook_record_done"), {"name": stream.name, "path": "/etc/passwd"})
    assert response.status_code == 403


def test_the_baseline_auth_request_asks_token_and_scope(stream, enrolled, trainee_b1) -> None:
    client = Client()
    url = playback_url(stream=stream, user=enrolled)
    assert client.get(hook("hook_hls_auth"), HTTP_X_ORIGINAL_URI=url).status_code == 204
    assert client.get(hook("hook_hls_auth"), HTTP_X_ORIGINAL_URI=url + "x").status_code == 403
    foreign = url.replace(f"/hls/{enrolled.pk}/", f"/hls/{trainee_b1.pk}/")
    assert client.get(hook("hook_hls_auth"), HTTP_X_ORIGINAL_URI=foreign).status_code == 403
