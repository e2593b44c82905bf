"""The session engine (SESSION_ENGINE): Django's database sessions in `accounts.Session`, whose user
column is kept from the session's data at every save."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.contrib.sessions.base_session import AbstractBaseSession

from peixun.core.tasks import job


def session_user_id(data: dict[str, Any]) -> int | None:
    """The id of the user a session's data names as signed in, if any."""
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class SessionStore(DBStore):
    # The class keeps its name: it is part of the salt the session data is signed with, so sessions
    # signed by Django's own database engine read the same here.

    @classmethod
    def get_model_class(cls) -> type[AbstractBaseSession]:
        from peixun.accounts.models import Session

        return Session

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        session = super().create_model_instance(data)
        session.user_id = session_user_id(data)  # type: ignore[attr-defined]
        return session


@job
def sessions_clear_expired() -> None:
    """Delete expired sessions (periodic): nobody can use them, and the table is read at every request."""
    SessionStore.clear_expired()
