from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from peixun.accounts import selectors, services
from peixun.accounts.forms import LoginForm, PasswordChangeForm, PasswordResetForm, RoleGrantForm
from peixun.accounts.roles import Role
from peixun.org.models import Unit


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except PermissionDenied as exc:
            error = str(exc)
        else:
            login(request, user)  # cycles the session key
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "/"
            return redirect(target or "/")
    return render(request, "accounts/login.html", {"form": form, "error": error}, status=200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.user_logout(actor=request.user)  # type: ignore[arg-type]
    logout(request)
    return redirect("accounts:login")


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else "new_password", errors)
        else:
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
            messages.success(request, "密码已修改")
            return redirect("core:home")
    expired = request.GET.get("expired") == "1"
    return render(request, "accounts/password_change.html", {"form": form, "expired": expired})


@login_required
def user_list_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    users = selectors.user_list(actor=request.user, query=query)  # type: ignore[arg-type]
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": query})


@login_required
def user_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    try:
        user = selectors.user_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    except selectors.User.DoesNotExist:
        from django.http import Http404

        raise Http404 from None
    grant_form = RoleGrantForm(request.POST or None) if actor.has_role(Role.SECURITY_ADMIN) else None  # type: ignore[union-attr]
    reset_form = PasswordResetForm() if actor.has_role(Role.SYSTEM_ADMIN) else None  # type: ignore[union-attr]
    if request.method == "POST" and grant_form is not None and grant_form.is_valid():
        code = grant_form.cleaned_data["unit_code"].strip()
        unit = Unit.objects.filter(code=code).first() if code else None
        try:
            if code and unit is None:
                raise ValidationError({"unit_code": "单位编码不存在"})
            services.role_grant(actor=actor, user=user, role=Role(grant_form.cleaned_data["role"]), unit=unit)  # type: ignore[arg-type]
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                grant_form.add_error(None, errors)
        else:
            messages.success(request, "已授予角色")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {"account": user, "grant_form": grant_form, "reset_form": reset_form},
    )


@login_required
@require_POST
def role_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant_get(actor=request.user, pk=pk)  # type: ignore[arg-type]
    services.role_revoke(actor=request.user, grant=grant)  # type: ignore[arg-type]
    messages.success(request, "已撤销角色")
    return redirect("accounts:user_detail", pk=grant.user_id)


@login_required
@require_POST
def user_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = request.user
    user = get_object_or_404(selectors.user_list(actor=actor), pk=pk)  # type: ignore[arg-type]
    try:
        if action == "deactivate":
            services.user_set_active(actor=actor, user=user, active=False)  # type: ignore[arg-type]
        elif action == "activate":
            services.user_set_active(actor=actor, user=user, active=True)  # type: ignore[arg-type]
        elif action == "unlock":
            services.user_unlock(actor=actor, user=user)  # type: ignore[arg-type]
        elif action == "reset-password":
            form = PasswordResetForm(request.POST)
            if not form.is_valid():
                raise ValidationError("请输入初始密码")
            services.user_password_reset(actor=actor, user=user, new_password=form.cleaned_data["new_password"])  # type: ignore[arg-type]
        else:
            from django.http import Http404

            raise Http404
    except PermissionDenied as exc:
        if not actor.has_role(Role.SYSTEM_ADMIN):  # type: ignore[union-attr]
            raise
        # The system admin hit a rule (own account, another power's account): say which.
        messages.error(request, str(exc) or services.ERR_NOT_ALLOWED)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, "操作成功")
    return redirect("accounts:user_detail", pk=user.pk)
