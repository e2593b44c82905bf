from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac

from peixun.accounts.roles import Role

if TYPE_CHECKING:
    from peixun.accounts.actor import Grants


class User(AbstractUser):
    """An account. Cadres log in with their employee number, which is then their username."""

    cadre = models.OneToOneField(
        "org.Cadre", verbose_name="干部", null=True, blank=True, on_delete=models.PROTECT, related_name="user"
    )
    display_name = models.CharField("显示名称", max_length=50, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # Part of the session auth hash: raising it ends every session of the user at their next request.
    session_generation = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "账户"
        verbose_name_plural = "账户"

    def __str__(self) -> str:
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "peixun.accounts.User.session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_generation}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @cached_property
    def grants(self) -> Grants:
        from peixun.accounts.actor import load_grants

        return load_grants(self)

    def has_role(self, *roles: Role) -> bool:
        return self.is_authenticated and self.is_active and bool(self.grants.roles & set(roles))


class RoleGrant(models.Model):
    """An authority given to a user. Unit admins and venue operators carry the unit they act for."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=32, choices=Role.grantable_choices())
    unit = models.ForeignKey("org.Unit", verbose_name="管理单位", null=True, blank=True, on_delete=models.PROTECT)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="rolegrant_unique_scoped"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(unit__isnull=True), name="rolegrant_unique_global"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class LoginThrottle(models.Model):
    """Failed logins per username, whatever the client address, known user or not.

    Counting unknown names too means a lockout says nothing about whether an account exists.
    """

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True)
    locked_until = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.username}: {self.failures}"


class Session(AbstractBaseSession):
    """A session, with the id of its signed-in user in a column of its own (Django's documented way of
    extending the database session engine, `peixun.accounts.sessions`): the fast lane reads a session
    and its user in one query, and a user's sessions go with the account."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "会话"
        verbose_name_plural = "会话"

    @classmethod
    def get_session_store_class(cls) -> type[SessionBase]:
        from peixun.accounts.sessions import SessionStore

        return SessionStore
