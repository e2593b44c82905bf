"""Writes of handouts and the library. Every act is checked first and audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.audit.events import Event
from peixun.audit.services import audit_record
from peixun.core.tasks import enqueue
from peixun.library import files
from peixun.library.models import (
    Access,
    AccessKind,
    Favourite,
    Handout,
    HandoutFile,
    Resource,
    ResourceStatus,
    Scope,
    Tag,
)
from peixun.library.selectors import may_manage_lecture_handouts, may_manage_resource, may_manage_resources
from peixun.org.models import Unit
from peixun.training.models import Lecture

ERR_NOT_ALLOWED = "您没有权限执行此操作"
ERR_NOT_HANDOUT_MANAGER = "只有本课次的授课教师、承办教研室成员或组织部可以上传讲义"
ERR_NOT_RESOURCE_MANAGER = "只有组织部或承办教研室可以整理和发布资源"
ERR_TITLE_REQUIRED = "请填写标题"
ERR_UNITS_REQUIRED = "可见范围为“指定单位”时，请至少选择一个单位"
ERR_CLASS_REQUIRED = "可见范围为“仅本班学员”时，请选择培训班"
ERR_FILE_NOT_OF_HANDOUT = "所选文件版本不属于该讲义"
ERR_ALREADY_PUBLISHED = "资源已发布"
ERR_NOT_PUBLISHED = "资源未发布"
ERR_DOWNLOAD_NOT_ALLOWED = "该资源仅可在线预览，不提供下载"


@transaction.atomic
def handout_upload(
    *, actor: User, lecture: Lecture, data: bytes, filename: str, title: str = "", handout: Handout | None = None
) -> HandoutFile:
    """A new handout, or a new version of an existing one (older versions are kept)."""
    if not may_manage_lecture_handouts(actor, lecture):
        raise PermissionDenied(ERR_NOT_HANDOUT_MANAGER)
    if handout is not None and handout.lecture_id != lecture.pk:
        raise PermissionDenied(ERR_NOT_ALLOWED)
    limit = files.max_upload_bytes()
    if len(data) > limit:
        raise ValidationError({"file": files.ERR_TOO_LARGE.format(mb=limit // (1024 * 1024))})
    kind = files.sniff(data)
    name = files.neutralise_filename(filename, kind)
    if handout is None:
        handout = Handout.objects.create(
            lecture=lecture, title=(title.strip() or name.rsplit(".", 1)[0])[:200], created_by=actor
        )
        version = 1
    else:
        handout = Handout.objects.select_for_update().get(pk=handout.pk)
        version = (handout.versions.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    stored = files.store(data, kind)
    row = HandoutFile.objects.create(
        handout=handout, version=version, kind=kind, stored_path=stored.path, original_name=name,
        size=stored.size, sha256=stored.sha256, uploaded_by=actor,
    )  # fmt: skip
    audit_record(
        actor=actor, event=Event.LIBRARY_HANDOUT_UPLOAD, obj=handout,
        detail={"version": version, "kind": kind.value, "name": name, "size": stored.size},
    )  # fmt: skip
    from peixun.library.tasks import handout_file_process

    enqueue(handout_file_process, file_id=row.pk)
    return row


def _tags(names: list[str] | str) -> list[Tag]:
    if isinstance(names, str):
        names = names.replace("，", ",").replace("、", ",").split(",")
    clean = sorted({n.strip()[:30] for n in names if n.strip()})
    return [Tag.objects.get_or_create(name=n)[0] for n in clean]


@transaction.atomic
def resource_save(
    *,
    actor: User,
    file: HandoutFile,
    title: str,
    summary: str = "",
    category: str = "",
    tags: list[str] | str = (),  # type: ignore[assignment]
    scope: str = Scope.ALL,
    units: list[Unit] | None = None,
    allow_download: bool = True,
    resource: Resource | None = None,
) -> Resource:
    """Organise a handout version into a library resource (a draft until published)."""
    lecture = file.handout.lecture
    training_class = lecture.training_class
    if not may_manage_resources(actor):
        raise PermissionDenied(ERR_NOT_RESOURCE_MANAGER)
    probe = resource or Resource(office_id=training_class.office_id, training_class=training_class)
    if not _manages(actor, probe):
        raise PermissionDenied(ERR_NOT_RESOURCE_MANAGER)
    if resource is not None and resource.handout_id not in (None, file.handout_id):
        raise ValidationError({"file": ERR_FILE_NOT_OF_HANDOUT})
    errors = {}
    if not title.strip():
        errors["title"] = ERR_TITLE_REQUIRED
    if scope not in Scope.values:
        errors["scope"] = ERR_NOT_ALLOWED
    if scope == Scope.UNITS and not units:
        errors["units"] = ERR_UNITS_REQUIRED
    if errors:
        raise ValidationError(errors)
    resource = resource or Resource(created_by=actor)
    resource.handout = file.handout
    resource.file = file
    resource.title = title.strip()[:200]
    resource.summary = summary.strip()
    resource.category = category.strip()[:50] or (training_class.office.field[:50] if training_class.office_id else "")
    resource.office_id = training_class.office_id
    resource.training_class = training_class
    resource.lecture = lecture
    resource.scope = scope
    resource.allow_download = allow_download
    resource.text = file.text
    resource.save()
    resource.tags.set(_tags(tags))
    resource.units.set((units or []) if scope == Scope.UNITS else [])
    audit_record(actor=actor, event=Event.LIBRARY_RESOURCE_SAVE, obj=resource, detail={"scope": scope})
    from peixun.library.tasks import resource_reindex

    enqueue(resource_reindex, resource_id=resource.pk)
    return resource


def _manages(actor: User, resource: Resource) -> bool:
    if actor.has_role(Role.ORG_ADMIN):
        return True
    offices = actor.grants.member_office_ids | actor.grants.director_office_ids
    return resource.office_id in offices


@transaction.atomic
def resource_publish(*, actor: User, resource: Resource) -> Resource:
    if not may_manage_resource(actor, resource):
        raise PermissionDenied(ERR_NOT_RESOURCE_MANAGER)
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.status == ResourceStatus.PUBLISHED:
        raise ValidationError({"status": ERR_ALREADY_PUBLISHED})
    resource.status = ResourceStatus.PUBLISHED
    resource.published_at = timezone.now()
    resource.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=actor, event=Event.LIBRARY_RESOURCE_PUBLISH, obj=resource, detail={"scope": resource.scope})
    return resource


@transaction.atomic
def resource_unpublish(*, actor: User, resource: Resource) -> Resource:
    if not may_manage_resource(actor, resource):
        raise PermissionDenied(ERR_NOT_RESOURCE_MANAGER)
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.status != ResourceStatus.PUBLISHED:
        raise ValidationError({"status": ERR_NOT_PUBLISHED})
    resource.status = ResourceStatus.UNPUBLISHED
    resource.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, event=Event.LIBRARY_RESOURCE_UNPUBLISH, obj=resource)
    return resource


@transaction.atomic
def favourite_toggle(*, actor: User, resource: Resource) -> bool:
    """The caller has already fetched `resource` through the scoped selector. Returns the new state."""
    deleted, _ = Favourite.objects.filter(resource=resource, user=actor).delete()
    if deleted:
        return False
    Favourite.objects.create(resource=resource, user=actor)
    return True


def _unit_id(actor: User) -> int | None:
    return actor.grants.own_unit_id


@transaction.atomic
def resource_read_record(*, actor: User, resource: Resource) -> None:
    Access.objects.create(resource=resource, user=actor, unit_id=_unit_id(actor), kind=AccessKind.READ)
    Resource.objects.filter(pk=resource.pk).update(read_count=F("read_count") + 1)


@transaction.atomic
def resource_download_record(*, actor: User, resource: Resource, stamped: bool) -> None:
    """Checked and audited before a single byte leaves; the caller fetched `resource` through the selector."""
    if not resource.allow_download and not may_manage_resource(actor, resource):
        raise PermissionDenied(ERR_DOWNLOAD_NOT_ALLOWED)
    Access.objects.create(resource=resource, user=actor, unit_id=_unit_id(actor), kind=AccessKind.DOWNLOAD)
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
    audit_record(
        actor=actor, event=Event.DOWNLOAD, obj=resource,
        detail={"file": resource.file_id, "version": resource.file.version, "stamped": stamped},
    )  # fmt: skip


@transaction.atomic
def handout_file_download_record(*, actor: User, file: HandoutFile) -> None:
    if not may_manage_lecture_handouts(actor, file.handout.lecture):
        raise PermissionDenied(ERR_NOT_HANDOUT_MANAGER)
    audit_record(actor=actor, event=Event.DOWNLOAD, obj=file, detail={"version": file.version})
