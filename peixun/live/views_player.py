"""The watching pages: the player (live and replay), venue mode, the player's JSON calls (status, heartbeat,
attention), the admin monitor and a class's live settings.

The JSON calls answer errors as {"error": {"code", "message", "fields"}}, like the API. They are plain
Django views rather than DRF: the heartbeat is the busiest request of a live lecture and stays lean.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from peixun.accounts.models import User
from peixun.chat.selectors import lecture_role
from peixun.live import selectors_watch as sel
from peixun.live import services_watch, tokens
from peixun.live.models import StreamStatus
from peixun.training.services_checkin import TOKEN_PERIOD, headcount_record

ERR_LOGIN = "请先登录"
ERR_NOT_FOUND = "课次不存在或您无权观看"
ERR_BAD_REQUEST = "请求格式有误"
ERR_BAD_HEADCOUNT = "实到人数应为整数"
ERR_NOT_MONITOR = "只有组织部和各级单位管理员可以查看直播监控"
MSG_HEADCOUNT_SAVED = "实到人数已保存"
MSG_SETTINGS_SAVED = "直播设置已保存"


def _error(status: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return JsonResponse({"error": body}, status=status, json_dumps_params={"ensure_ascii": False})


def _validation_error(error: ValidationError) -> JsonResponse:
    fields = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    message = "；".join(m for ms in fields.values() for m in ms)
    return _error(400, "invalid", message, fields)


def _payload(request: HttpRequest) -> dict[str, Any]:
    """The JSON body the player sends, or a form body."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ValidationError({"body": ERR_BAD_REQUEST}) from None
        if not isinstance(data, dict):
            raise ValidationError({"body": ERR_BAD_REQUEST})
        return data
    return request.POST.dict()


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", "0", "false", "False", 0):
        return False
    if value in ("1", "true", "True", 1):
        return True
    raise ValidationError({name: ERR_BAD_REQUEST})


def _number(value: Any, name: str) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationError({name: services_watch.ERR_BAD_POSITION})
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError({name: services_watch.ERR_BAD_POSITION}) from None
    if not math.isfinite(number):
        raise ValidationError({name: services_watch.ERR_BAD_POSITION})
    return number


def _venue_id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValidationError({"venue": ERR_BAD_REQUEST})


def watermark_text(user: User) -> str:
    """The viewer's name and employee number; accounts without a cadre show their account name."""
    cadre = getattr(user, "cadre", None)
    if cadre is not None:
        return f"{cadre.name} {cadre.employee_number}"
    return f"{user.display_name or user.username} {user.username}"


def _player_context(request: HttpRequest, lecture: Any, *, mode: str, venue: Any = None) -> dict[str, Any]:
    actor: User = request.user  # type: ignore[assignment]
    live_settings = services_watch.class_settings(lecture)
    state = sel.broadcast_state(lecture=lecture)
    recordings = sel.ready_recordings(lecture=lecture)
    return {
        "lecture": lecture,
        "mode": mode,
        "venue": venue,
        "state": state,
        "watermark": watermark_text(actor),
        "live_settings": live_settings,
        "heartbeat_seconds": services_watch.HEARTBEAT_SECONDS,
        "has_replay": bool(recordings) and timezone.now() >= lecture.ends_at,
        "chat_role": lecture_role(actor=actor, lecture=lecture),
    }


# --- Pages ----------------------------------------------------------------------------------------------


@login_required
@require_GET
def player_list_view(request: HttpRequest) -> HttpResponse:
    """The live lectures of this week the viewer may watch; venue operators also get venue mode."""
    now = timezone.now()
    lectures = sel.lectures_to_watch(actor=request.user, now=now)  # type: ignore[arg-type]
    return render(request, "live/player_list.html", {"lectures": lectures, "now": now})


@login_required
@require_GET
def player_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The live player; before the start it waits (the page polls the status), after the end it offers
    the replay."""
    lecture = sel.lecture_for_watching(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return render(request, "live/player.html", _player_context(request, lecture, mode="live"))


@login_required
@require_GET
def replay_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The replay: the lecture's ready recordings one after another, on one timeline for the heartbeats."""
    actor: User = request.user  # type: ignore[assignment]
    lecture = sel.lecture_for_watching(actor=actor, pk=pk)
    context = _player_context(request, lecture, mode="replay")
    parts = []
    if context["has_replay"]:
        offset = 0.0
        for recording in sel.ready_recordings(lecture=lecture):
            recording.stream.lecture = lecture  # tokens reads the lecture through the stream
            parts.append({"url": tokens.replay_url(recording=recording, user=actor), "offset": offset})
            offset += recording.duration_seconds
    context["parts"] = parts
    return render(request, "live/player.html", context)


@login_required
@require_GET
def venue_view(request: HttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    """Venue mode for the branch venue's projector PC: full-screen player, the venue's rotating check-in
    code (training's projector) and the operator's headcount."""
    actor: User = request.user  # type: ignore[assignment]
    lecture = sel.lecture_for_watching(actor=actor, pk=pk)
    venue = sel.venue_for_watching(actor=actor, lecture=lecture, venue_pk=venue_pk)
    context = _player_context(request, lecture, mode="venue", venue=venue)
    context["headcount"] = sel.venue_headcount(lecture=lecture, venue=venue)
    context["qr_period"] = TOKEN_PERIOD
    return render(request, "live/venue.html", context)


@login_required
@require_POST
def venue_headcount_view(request: HttpRequest, pk: int, venue_pk: int) -> HttpResponse:
    """The operator enters the room's headcount (training's headcount service); answers the form fragment."""
    actor: User = request.user  # type: ignore[assignment]
    lecture = sel.lecture_for_watching(actor=actor, pk=pk)
    venue = sel.venue_for_watching(actor=actor, lecture=lecture, venue_pk=venue_pk)
    raw = request.POST.get("headcount", "").strip()
    error = ""
    saved = False
    try:
        if not raw.isdigit():
            raise ValidationError({"headcount": ERR_BAD_HEADCOUNT})
        headcount_record(actor=actor, lecture=lecture, venue=venue, headcount=int(raw))
        saved = True
    except ValidationError as exc:
        error = "；".join(m for ms in exc.message_dict.values() for m in ms)
    context = {
        "lecture": lecture,
        "venue": venue,
        "headcount": sel.venue_headcount(lecture=lecture, venue=venue),
        "error": error,
        "saved": saved,
    }
    # htmx swaps only 2xx answers; other clients get the 400 a refusal is.
    status = 200 if saved or request.headers.get("HX-Request") else 400
    return render(request, "live/venue_headcount.html", context, status=status)


@login_required
@require_GET
def monitor_view(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    if not sel.may_monitor(actor):
        raise PermissionDenied(ERR_NOT_MONITOR)
    return render(request, "live/monitor.html", _monitor_context(actor))


@login_required
@require_GET
def monitor_panel_view(request: HttpRequest) -> HttpResponse:
    """The monitor's table, refreshed by htmx every few seconds."""
    actor: User = request.user  # type: ignore[assignment]
    if not sel.may_monitor(actor):
        raise PermissionDenied(ERR_NOT_MONITOR)
    return render(request, "live/monitor_panel.html", _monitor_context(actor))


def _monitor_context(actor: User) -> dict[str, Any]:
    from peixun.live.selectors import live_streams_overview

    now = timezone.now()
    rows = live_streams_overview(actor=actor, now=now)
    viewers = sel.viewers_now(actor=actor, lectures=[r.lecture for r in rows], now=now)
    return {"rows": [(r, viewers[r.lecture.pk]) for r in rows], "now": now}


@login_required
def settings_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A class's live settings, for its organisers."""
    actor: User = request.user  # type: ignore[assignment]
    training_class = sel.class_for_settings(actor=actor, pk=pk)
    current = sel.live_settings_of(training_class=training_class)
    if request.method == "POST":
        raw = request.POST.get("attention_interval_minutes", "").strip()
        try:
            if not raw.isdigit():
                raise ValidationError({"attention_interval_minutes": services_watch.ERR_BAD_INTERVAL})
            services_watch.live_settings_update(
                actor=actor,
                training_class=training_class,
                replay_counts_hours=request.POST.get("replay_counts_hours") == "on",
                attention_check=request.POST.get("attention_check") == "on",
                attention_interval_minutes=int(raw),
            )
            messages.success(request, MSG_SETTINGS_SAVED)
            return redirect("live:class_settings", pk=training_class.pk)
        except ValidationError as error:
            for msgs in error.message_dict.values():
                for msg in msgs:
                    messages.error(request, msg)
    return render(request, "live/settings.html", {"cls": training_class, "settings": current})


# --- The player's JSON calls ------------------------------------------------------------------------------


@require_GET
def status_view(request: HttpRequest, pk: int) -> JsonResponse:
    """The broadcast's state and, while it may be playing, a freshly signed playlist URL with its expiry."""
    actor: User = request.user  # type: ignore[assignment]
    if not actor.is_authenticated:
        return _error(401, "not_authenticated", ERR_LOGIN)
    try:
        lecture = sel.lecture_for_watching(actor=actor, pk=pk)
    except Http404:
        return _error(404, "not_found", ERR_NOT_FOUND)
    now = timezone.now()
    state = sel.broadcast_state(lecture=lecture, now=now)
    body: dict[str, Any] = {
        "state": state.state,
        "message": state.message,
        "starts_in": max(0, round((lecture.starts_at - now).total_seconds())),
        "playback_url": None,
        "expires_in": None,
    }
    stream = state.stream
    if stream is not None and state.state in ("live", "interrupted") and stream.status != StreamStatus.IDLE:
        stream.lecture = lecture
        body["playback_url"] = tokens.playback_url(stream=stream, user=actor, now=now)
        body["expires_in"] = tokens.playback_expires(now=now) - int(now.timestamp())
    if state.state == "ended":
        body["replay"] = reverse("live:replay", args=[lecture.pk]) if sel.ready_recordings(lecture=lecture) else None
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_POST
def heartbeat_view(request: HttpRequest, pk: int) -> JsonResponse:
    """{"is_replay": bool, "position": seconds (replay), "venue": id (venue mode)} → watch time so far."""
    actor: User = request.user  # type: ignore[assignment]
    if not actor.is_authenticated:
        return _error(401, "not_authenticated", ERR_LOGIN)
    try:
        data = _payload(request)
        is_replay = _flag(data.get("is_replay"), "is_replay")
        position = _number(data.get("position"), "position")
        venue_id = _venue_id(data.get("venue"))
        lecture = sel.lecture_for_heartbeat(pk=pk)
        venue = sel.venue_for_heartbeat(pk=venue_id) if venue_id else None
        beat = services_watch.watch_heartbeat(
            actor=actor, lecture=lecture, is_replay=is_replay, venue=venue, position=position
        )
    except ValidationError as error:
        return _validation_error(error)
    except PermissionDenied:
        # The same answer as for an unknown lecture: no hint that it exists.
        return _error(404, "not_found", ERR_NOT_FOUND)
    except Http404:
        return _error(404, "not_found", ERR_NOT_FOUND)
    return JsonResponse(beat.as_json())


@require_POST
def attention_view(request: HttpRequest, pk: int) -> JsonResponse:
    """The viewer answered the "点击继续" prompt."""
    actor: User = request.user  # type: ignore[assignment]
    if not actor.is_authenticated:
        return _error(401, "not_authenticated", ERR_LOGIN)
    try:
        data = _payload(request)
        is_replay = _flag(data.get("is_replay"), "is_replay")
        lecture = sel.lecture_for_watching(actor=actor, pk=pk)
        now = timezone.now()
        due = services_watch.watch_attention_confirm(actor=actor, lecture=lecture, is_replay=is_replay, now=now)
    except ValidationError as error:
        return _validation_error(error)
    except Http404:
        return _error(404, "not_found", ERR_NOT_FOUND)
    return JsonResponse({"attention_due_in": max(0, round((due - now) / dt.timedelta(seconds=1)))})
