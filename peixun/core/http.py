"""Small helpers every page view uses: the typed actor, and service errors shown to the user."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from peixun.accounts.models import User


def actor_of(request: HttpRequest) -> User:
    """The logged-in account (views are behind login_required)."""
    return request.user  # type: ignore[return-value]


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    """A service's ValidationError as messages on the next page."""
    groups = exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]
    for group in groups:
        for message in group:
            messages.error(request, message)


def errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form fields it names (the rest as form errors)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, group in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, group)


def form_submitted(
    request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], HttpResponse]
) -> HttpResponse | None:
    """For a POST whose form is valid: `save(cleaned_data)`, the service call and the page after it. A
    service's ValidationError goes onto the form's fields and the answer is None, as for a GET or an invalid
    form, so the view renders the form again: `return form_submitted(request, form, save) or render(...)`."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except ValidationError as exc:
        errors_to_form(form, exc)
        return None
