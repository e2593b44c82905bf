"""Template tags of the chat component (templates/chat/_room.html)."""

from __future__ import annotations

from typing import Any

from django import template

from peixun.chat import conf
from peixun.chat.selectors import lecture_role

register = template.Library()


@register.simple_tag(takes_context=True)
def chat_role_in(context: template.Context, lecture: Any) -> str:
    """The viewer's role in the lecture's room ("host", "participant", or "" when outside it): the
    including page's `chat_role` when it has one, else computed here, so that an include with only
    `lecture` works in any page."""
    given = context.get("chat_role")
    if given:
        return str(given)
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if lecture is None or user is None or not user.is_authenticated:
        return ""
    return lecture_role(actor=user, lecture=lecture) or ""


@register.simple_tag
def chat_max_len() -> int:
    return conf.MAX_TEXT_LEN
