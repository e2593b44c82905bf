"""`{% lecture_handouts lecture %}`: links to the lecture's handouts published in the library, those the
viewer may read (the library's scope rule, through training.selectors.lecture_handout_resources)."""

from __future__ import annotations

from typing import Any

from django import template

from peixun.training.selectors import lecture_handout_resources

register = template.Library()


@register.inclusion_tag("training/_lecture_handouts.html", takes_context=True)
def lecture_handouts(context: Any, lecture: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    resources = list(lecture_handout_resources(actor=user, lecture=lecture)) if user is not None else []
    return {"resources": resources}
