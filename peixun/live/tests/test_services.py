from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peixun.audit.events import Event
from peixun.audit.models import AuditEvent, AuditResult
from peixun.live import services
from peixun.live.models import LiveStream, Recording, RecordingStatus, StreamStatus
from peixun.live.tests.delivery_data import enrolled_fixture, lecture_fixture, stream_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def start(stream: LiveStream, *, client: str = "1", key: str | None = None, now=None) -> LiveStream:
    return services.stream_publish_start(
        name=stream.name, key=stream.publish_key if key is None else key, client_id=client, addr="10.0.0.9", now=now
    )


def test_the_org_admin_and_the_main_venues_operator_get_the_stream_with_a_key(
    lecture,
    org_admin,
    venue_operator_a1,
) -> None:
    stream = services.stream_ensure(actor=venue_operator_a1, lecture=lecture)
    assert services.stream_ensure(actor=org_admin, lecture=lecture) == stream
    assert len(stream.publish_key) >= 32 and stream.name not in stream.publish_key
    assert AuditEvent.objects.filter(event=Event.LIVE_STREAM_CREATE).count() == 1


def test_it_refuses_the_stream_to_trainees_teachers_and_other_admins(
    lecture,
    trainee_a1,
    teacher,
    county_a1_admin,
) -> None:
    for actor in (trainee_a1, teacher, county_a1_admin):
        with pytest.raises(PermissionDenied, match=services.ERR_NOT_ALLOWED):
            services.stream_ensure(actor=actor, lecture=lecture)
    assert not LiveStream.objects.exists()


def test_it_refuses_a_stream_for_a_lecture_that_is_not_live(lecture, org_admin) -> None:
    lecture.is_live = False
    lecture.save()
    with pytest.raises(ValidationError) as error:
        services.stream_ensure(actor=org_admin, lecture=lecture)
    assert error.value.message_dict == {"lecture": [services.ERR_NOT_LIVE]}


def test_rotating_the_key_retires_the_old_one_and_is_audited(stream, venue_operator_a1) -> None:
    old = stream.publish_key
    services.stream_rotate_key(actor=venue_operator_a1, stream=stream)
    stream.refresh_from_db()
    assert stream.publish_key != old and stream.key_rotated_at is not None
    with pytest.raises(services.PublishRefused, match=services.ERR_BAD_KEY):
        start(stream, key=old)
    assert AuditEvent.objects.filter(event=Event.LIVE_KEY_ROTATE, actor=venue_operator_a1).count() == 1


def test_revealing_the_key_is_audited_and_refused_to_others(stream, org_admin, trainee_a1) -> None:
    assert services.stream_key_reveal(actor=org_admin, stream=stream) == f"{stream.name}?key={stream.publish_key}"
    assert AuditEvent.objects.filter(event=Event.LIVE_KEY_REVEAL).count() == 1
    with pytest.raises(PermissionDenied):
        services.stream_key_reveal(actor=trainee_a1, stream=stream)


def test_the_right_key_publishes_inside_the_window_only(stream) -> None:
    lecture = stream.lecture
    with pytest.raises(services.PublishRefused, match="尚未到推流时间"):
        start(stream, now=lecture.starts_at - dt.timedelta(minutes=31))
    with pytest.raises(services.PublishRefused, match=services.ERR_TOO_LATE):
        start(stream, now=lecture.ends_at + dt.timedelta(minutes=31))
    with pytest.raises(services.PublishRefused, match=services.ERR_BAD_KEY):
        start(stream, key="")
    refused = AuditEvent.objects.filter(event=Event.LIVE_PUBLISH_REFUSED)
    assert refused.count() == 3 and {e.result for e in refused} == {AuditResult.DENIED}
    started = start(stream, now=lecture.starts_at - dt.timedelta(minutes=29))
    assert started.status == StreamStatus.LIVE and started.publisher_addr == "10.0.0.9"


def test_a_second_publisher_is_refused_while_the_first_is_live_but_not_after_it_went_silent(stream) -> None:
    now = timezone.now()
    start(stream, client="1", now=now)
    with pytest.raises(services.PublishRefused, match=services.ERR_BUSY):
        start(stream, client="2", now=now + dt.timedelta(seconds=5))
    assert services.stream_publish_update(name=stream.name, client_id="1", now=now + dt.timedelta(seconds=10))
    assert not services.stream_publish_update(name=stream.name, client_id="2", now=now + dt.timedelta(seconds=10))
    # nginx died without on_publish_done: after 40 s of silence the key is free again.
    assert start(stream, client="3", now=now + dt.timedelta(seconds=51)).publisher_client == "3"


def test_publish_done_ends_the_broadcast_only_for_the_current_publisher(stream) -> None:
    start(stream, client="1")
    services.stream_publish_end(name=stream.name, client_id="2")
    assert LiveStream.objects.get(pk=stream.pk).status == StreamStatus.LIVE
    services.stream_publish_end(name=stream.name, client_id="1")
    ended = LiveStream.objects.get(pk=stream.pk)
    assert ended.status == StreamStatus.ENDED and ended.publisher_client == ""
    assert AuditEvent.objects.filter(event=Event.LIVE_PUBLISH_END).count() == 1


def test_updates_after_the_window_cut_the_publisher_off(stream) -> None:
    start(stream, client="1")
    late = stream.lecture.ends_at + dt.timedelta(minutes=31)
    assert not services.stream_publish_update(name=stream.name, client_id="1", now=late)


def test_a_recording_outside_the_recordings_directory_is_refused(stream, settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    for path in ("/etc/passwd", str(tmp_path / "live" / "recordings" / ".." / "x.flv"), str(tmp_path / "a.flv")):
        with pytest.raises(ValidationError):
            services.recording_create(name=stream.name, path=path)
    assert not Recording.objects.exists()


def test_a_recording_becomes_a_ready_mp4_with_its_duration(
    stream,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
) -> None:
    settings.VAR_DIR, settings.TASKS_BACKEND = tmp_path, "sync"
    source = tmp_path / "live" / "recordings" / f"{stream.name}-1.flv"
    source.parent.mkdir(parents=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-f", "lavfi",
         "-i", "sine=sample_rate=44100", "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
         "-c:a", "aac", "-f", "flv", str(source)],
        check=True,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        recording = services.recording_create(name=stream.name, path=str(source))
    recording.refresh_from_db()
    assert recording.status == RecordingStatus.READY, recording.error
    assert recording.duration_seconds == pytest.approx(3.0, abs=0.2)
    assert recording.mp4_path.endswith(f"{stream.name}-{recording.pk}.mp4") and recording.size_bytes > 0
    with django_capture_on_commit_callbacks(execute=True):
        again = services.recording_create(name=stream.name, path=str(source))
    assert again.pk == recording.pk  # nginx repeating a callback adds nothing


def test_a_broken_recording_is_marked_failed(stream, settings, tmp_path, django_capture_on_commit_callbacks) -> None:
    settings.VAR_DIR, settings.TASKS_BACKEND = tmp_path, "sync"
    source = tmp_path / "live" / "recordings" / f"{stream.name}-2.flv"
    source.parent.mkdir(parents=True)
    source.write_bytes(b"FLV but not really")
    with django_capture_on_commit_callbacks(execute=True):
        recording = services.recording_create(name=stream.name, path=str(source))
    recording.refresh_from_db()
    assert recording.status == RecordingStatus.FAILED and recording.error.startswith("录像转换失败")
    assert not list((tmp_path / "live" / "replays").glob("*.mp4"))


def test_after_a_rotation_while_live_the_old_session_is_cut_off_and_the_new_key_publishes_at_once(
    stream, org_admin, settings, tmp_path
) -> None:
    settings.VAR_DIR = tmp_path  # no nginx to drop the session here: the next on_update does it
    start(stream, client="1")
    services.stream_rotate_key(actor=org_admin, stream=stream)
    assert not services.stream_publish_update(name=stream.name, client_id="1")
    services.stream_publish_end(name=stream.name, client_id="1")
    assert LiveStream.objects.get(pk=stream.pk).status == StreamStatus.ENDED
    assert start(stream, client="2").publisher_client == "2"


def test_a_new_key_is_not_kept_waiting_for_a_rotated_session_that_has_not_ended_yet(
    stream, org_admin, settings, tmp_path
) -> None:
    settings.VAR_DIR = tmp_path
    start(stream, client="1")
    services.stream_rotate_key(actor=org_admin, stream=stream)
    assert start(stream, client="2").publisher_client == "2"
    services.stream_publish_end(name=stream.name, client_id="1")  # the old session's late goodbye
    assert LiveStream.objects.get(pk=stream.pk).status == StreamStatus.LIVE
