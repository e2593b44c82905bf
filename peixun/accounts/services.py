"""Accounts: login with lockout, sessions, passwords, and the three separate administrator powers.

The system admin manages accounts, the security admin grants roles, the audit admin reads the audit
trail; no account holds two of those powers.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from peixun.accounts.models import LoginThrottle, RoleGrant, User
from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.models import AuditResult
from peixun.audit.services import audit_record

if TYPE_CHECKING:
    from peixun.org.models import Cadre, Unit

ERR_LOGIN_FAILED = "用户名或密码错误"
ERR_LOCKED = "登录失败次数过多，账户已临时锁定，请稍后再试或联系系统管理员"
ERR_NOT_ALLOWED = "您没有权限执行此操作"
ERR_OLD_PASSWORD = "原密码不正确"
ERR_SAME_PASSWORD = "新密码不能与原密码相同"
ERR_SEPARATION = "系统管理员、安全管理员、安全审计员三种职责不能由同一账户兼任"
ERR_SELF_GRANT = "不能给自己授予或撤销角色"
ERR_UNIT_REQUIRED = "该角色必须指定管理单位"
ERR_UNIT_NOT_ALLOWED = "该角色不指定管理单位"
ERR_GRANT_EXISTS = "该账户已拥有此角色"
ERR_SELF_DEACTIVATE = "不能停用或启用自己的账户"
ERR_OTHER_POWER = "系统管理员不能重置安全管理员、安全审计员的密码或停用其账户"

THREE_POWERS = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}


def _normalise_username(username: str) -> str:
    return username.strip().lower()[:150]


def login_attempt(*, username: str, password: str) -> User:
    """Authenticate, counting failures per username; raise PermissionDenied with the message to show.

    Unknown names and wrong passwords fail alike, and both count towards the lockout.
    """
    key = _normalise_username(username)
    typed = username.strip()[:100]  # the trail shows the name as typed; the lockout counts it folded
    now = timezone.now()
    throttle = LoginThrottle.objects.filter(username=key).first()
    if throttle and throttle.locked_until and throttle.locked_until > now:
        audit_record(
            actor=None,
            event=Event.LOGIN_FAILURE,
            object_repr=typed,
            result=AuditResult.DENIED,
            detail={"reason": "locked"},
            actor_label=typed,
        )
        raise PermissionDenied(ERR_LOCKED)
    user = authenticate(username=username.strip(), password=password)
    if user is None:
        locked = _record_failure(key, now)
        audit_record(
            actor=None, event=Event.LOGIN_FAILURE, object_repr=typed, result=AuditResult.FAILURE, actor_label=typed
        )
        if locked:
            audit_record(
                actor=None,
                event=Event.LOGIN_LOCKOUT,
                object_repr=typed,
                actor_label=typed,
                detail={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
            raise PermissionDenied(ERR_LOCKED)
        raise PermissionDenied(ERR_LOGIN_FAILED)
    LoginThrottle.objects.filter(username=key).delete()
    audit_record(actor=user, event=Event.LOGIN_SUCCESS, obj=user)
    return user


def _record_failure(key: str, now: dt.datetime) -> bool:
    with transaction.atomic():
        throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(username=key)
        window = dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        expired_lock = throttle.locked_until is not None and throttle.locked_until <= now
        # Failures count within one lockout window; old ones do not add up to a lock months later.
        stale = throttle.last_failure_at is not None and now - throttle.last_failure_at > window
        if expired_lock or stale:
            throttle.failures = 0
            throttle.locked_until = None
        throttle.failures += 1
        throttle.last_failure_at = now
        locked = throttle.failures >= settings.LOGIN_MAX_FAILURES
        if locked:
            throttle.locked_until = now + window
        throttle.save()
    return locked


def sessions_end_all(*, user: User) -> None:
    """End every session of the user: the session hash includes the generation we raise here."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def user_logout(*, actor: User) -> None:
    sessions_end_all(user=actor)
    audit_record(actor=actor, event=Event.LOGOUT, obj=actor)


def _check_new_password(password: str, user: User) -> None:
    """The configured rules; their messages become the `new_password` field's errors."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None


def password_is_expired(user: User) -> bool:
    if settings.PASSWORD_EXPIRY_DAYS <= 0 or not user.has_usable_password():
        return False
    if user.password_changed_at is None:
        return True
    return timezone.now() - user.password_changed_at > dt.timedelta(days=settings.PASSWORD_EXPIRY_DAYS)


@transaction.atomic
def password_change(*, actor: User, old_password: str, new_password: str) -> None:
    if not actor.check_password(old_password):
        raise ValidationError({"old_password": ERR_OLD_PASSWORD})
    if old_password == new_password:
        raise ValidationError({"new_password": ERR_SAME_PASSWORD})
    _check_new_password(new_password, actor)
    actor.set_password(new_password)
    actor.password_changed_at = timezone.now()
    actor.save(update_fields=["password", "password_changed_at"])
    audit_record(actor=actor, event=Event.PASSWORD_CHANGE, obj=actor)


def account_create_for_cadre(*, cadre: Cadre, password_hash: str | None = None) -> User:
    """The login that comes with every cadre. Without a password it stays unusable until the system
    admin issues one; callers have already checked permission for the cadre."""
    user = User(username=cadre.employee_number, display_name=cadre.name, cadre=cadre)
    if password_hash:
        user.password = password_hash
        user.password_changed_at = timezone.now()
    else:
        user.set_unusable_password()
    user.save()
    return user


def _require_system_admin(actor: User) -> None:
    if not actor.has_role(Role.SYSTEM_ADMIN):
        raise PermissionDenied(ERR_NOT_ALLOWED)


def _refuse_other_powers(user: User) -> None:
    """Resetting the auditor's password would let the system admin log in as the auditor and read
    the trail; the other two powers' accounts are therefore out of the system admin's reach (the
    operator resets them with `manage.py changepassword`)."""
    if user.role_grants.filter(role__in=[Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]).exists():
        raise PermissionDenied(ERR_OTHER_POWER)


@transaction.atomic
def user_password_reset(*, actor: User, user: User, new_password: str) -> None:
    """Issue an initial or replacement password; the holder must change it at the next login."""
    _require_system_admin(actor)
    _refuse_other_powers(user)
    _check_new_password(new_password, user)
    user.set_password(new_password)
    user.password_changed_at = None
    user.save(update_fields=["password", "password_changed_at"])
    sessions_end_all(user=user)
    audit_record(actor=actor, event=Event.PASSWORD_RESET, obj=user)


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> None:
    _require_system_admin(actor)
    if user.pk == actor.pk:
        raise PermissionDenied(ERR_SELF_DEACTIVATE)
    _refuse_other_powers(user)
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    if not active:
        sessions_end_all(user=user)
    audit_record(actor=actor, event=Event.USER_ACTIVATE if active else Event.USER_DEACTIVATE, obj=user)


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> None:
    _require_system_admin(actor)
    LoginThrottle.objects.filter(username=_normalise_username(user.username)).delete()
    audit_record(actor=actor, event=Event.USER_UNLOCK, obj=user)


@transaction.atomic
def role_grant(*, actor: User, user: User, role: Role, unit: Unit | None = None) -> RoleGrant:
    if not actor.has_role(Role.SECURITY_ADMIN):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    if user.pk == actor.pk:
        raise PermissionDenied(ERR_SELF_GRANT)
    if role in Role.unit_scoped() and unit is None:
        raise ValidationError({"unit": ERR_UNIT_REQUIRED})
    if role not in Role.unit_scoped() and unit is not None:
        raise ValidationError({"unit": ERR_UNIT_NOT_ALLOWED})
    # Lock the account row so that two concurrent grants cannot each pass the separation check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    held = set(user.role_grants.values_list("role", flat=True))
    if role in THREE_POWERS and held & (THREE_POWERS - {role}):
        raise ValidationError({"role": ERR_SEPARATION})
    if user.role_grants.filter(role=role, unit=unit).exists():
        raise ValidationError({"role": ERR_GRANT_EXISTS})
    grant = RoleGrant.objects.create(user=user, role=role, unit=unit, granted_by=actor)
    audit_record(
        actor=actor, event=Event.ROLE_GRANT, obj=user, detail={"role": role.value, "unit": unit.code if unit else None}
    )
    return grant


@transaction.atomic
def role_revoke(*, actor: User, grant: RoleGrant) -> None:
    if not actor.has_role(Role.SECURITY_ADMIN):
        raise PermissionDenied(ERR_NOT_ALLOWED)
    if grant.user_id == actor.pk:
        raise PermissionDenied(ERR_SELF_GRANT)
    detail = {"role": grant.role, "unit": grant.unit.code if grant.unit else None}
    user = grant.user
    grant.delete()
    audit_record(actor=actor, event=Event.ROLE_REVOKE, obj=user, detail=detail)
