"""Small helpers every page view uses: the typed actor, and service errors shown to the user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

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
