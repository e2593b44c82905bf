from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from peixun.accounts.roles import Role
from peixun.chat import conf, services
from peixun.chat.export import export_workbook
from peixun.chat.models import SensitiveWord, WordAction
from peixun.chat.selectors import lecture_for_chat, words_visible


def _room(request: HttpRequest, lecture_id: int, *, host: bool = False):  # type: ignore[no-untyped-def]
    lecture, role = lecture_for_chat(actor=request.user, lecture_id=lecture_id)  # type: ignore[arg-type]
    if host and role != "host":
        raise PermissionDenied(services.ERR_NOT_HOST)
    room = services.room_open(actor=request.user, lecture=lecture, role=role)  # type: ignore[arg-type]
    return lecture, room, role


@login_required
def lecture_room_view(request: HttpRequest, lecture_id: int) -> HttpResponse:
    """A lecture's page hosting the chat component (the live page embeds the same component)."""
    lecture, room, role = _room(request, lecture_id)
    return render(
        request,
        "chat/lecture_room.html",
        {"lecture": lecture, "room": room, "chat_role": role, "max_len": conf.MAX_TEXT_LEN},
    )


@login_required
def export_view(request: HttpRequest, lecture_id: int) -> HttpResponse:
    lecture, room, _ = _room(request, lecture_id, host=True)
    data = export_workbook(actor=request.user, room=room)  # type: ignore[arg-type]
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="chat-lecture-{lecture.pk}.xlsx"'
    return response


@login_required
@require_POST
def export_submit_view(request: HttpRequest, lecture_id: int) -> HttpResponse:
    """After class: the export goes to the lecture's handouts in the library, for publication."""
    lecture, room, _ = _room(request, lecture_id, host=True)
    try:
        services.room_export_submit(actor=request.user, room=room)  # type: ignore[arg-type]
        messages.success(request, "互动记录已提交到本课次讲义，可在资源库发布")
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    return redirect("chat:lecture_room", lecture_id=lecture.pk)


@login_required
def words_view(request: HttpRequest, lecture_id: int) -> HttpResponse:
    lecture, room, _ = _room(request, lecture_id, host=True)
    if request.method == "POST":
        try:
            services.word_add(
                actor=request.user,  # type: ignore[arg-type]
                room=room,
                word=request.POST.get("word", ""),
                action=request.POST.get("action", ""),
            )
            messages.success(request, "已添加敏感词")
            return redirect("chat:words", lecture_id=lecture.pk)
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, error)
    return render(
        request,
        "chat/words.html",
        {"lecture": lecture, "words": words_visible(room=room), "actions": WordAction.choices, "room": room},
    )


@login_required
@require_POST
def word_remove_view(request: HttpRequest, lecture_id: int, word_id: int) -> HttpResponse:
    lecture, room, _ = _room(request, lecture_id, host=True)
    word = get_object_or_404(SensitiveWord, pk=word_id, room=room)
    services.word_remove(actor=request.user, word=word)  # type: ignore[arg-type]
    messages.success(request, "已删除敏感词")
    return redirect("chat:words", lecture_id=lecture.pk)


@login_required
def global_words_view(request: HttpRequest) -> HttpResponse:
    """The province-wide list, kept by the organisation department."""
    if not request.user.has_role(Role.ORG_ADMIN):  # type: ignore[union-attr]
        raise PermissionDenied(services.ERR_NOT_ORG_ADMIN)
    if request.method == "POST":
        try:
            if request.POST.get("remove"):
                word = get_object_or_404(SensitiveWord, pk=request.POST["remove"], room=None)
                services.word_remove(actor=request.user, word=word)  # type: ignore[arg-type]
            else:
                services.word_add(
                    actor=request.user,  # type: ignore[arg-type]
                    room=None,
                    word=request.POST.get("word", ""),
                    action=request.POST.get("action", ""),
                )
            return redirect("chat:global_words")
        except (ValidationError, ValueError) as exc:
            for error in getattr(exc, "messages", [str(exc)]):
                messages.error(request, error)
    return render(
        request,
        "chat/words.html",
        {"words": SensitiveWord.objects.filter(room=None), "actions": WordAction.choices, "room": None},
    )
