from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from peixun.accounts.models import User


class EmployeeNumberBackend(ModelBackend):
    """Username or employee number (which is a cadre's username), case-insensitively."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        user = (
            User.objects.filter(username__iexact=username).order_by("pk").first()
            or User.objects.filter(cadre__employee_number__iexact=username).order_by("pk").first()
        )
        if user is None or not user.has_usable_password():
            # Spend the same time as a real check (check_password returns at once for an unusable
            # password), so timing does not tell which names exist or which have no password yet.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
