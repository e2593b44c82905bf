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
from peixun.library import files, index
from peixun.library.models import (
    Access,
    AccessKind,
    ExtractStatus,
    Favourite,
    FileKind,
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
ERR_CONVERSION_PENDING = "该文件正在转换为 PDF，转换完成后才能下载带个人水印的副本，请稍后再试"
ERR_CONVERSION_FAILED = "该文件未能转换为 PDF，无法生成带个人水印的副本，暂不提供下载，请联系资源管理员"
IMAGE_KINDS = frozenset({FileKind.PNG, FileKind.JPEG, FileKind.GIF})


class Delivery:
    """How a download leaves: a stamped PDF, a stamped image, or (managers only) the original bytes."""

    PDF = "pdf"
    IMAGE = "image"
    ORIGINAL = "original"


def download_delivery(*, actor: User, resource: Resource) -> str:
    """Readers only ever receive a stamped copy; an Office file whose PDF is not there yet is refused to them.
    The resource's managers may fetch the original (it is theirs, and they need it to fix a failed conversion)."""
    file = resource.file
    if file.kind in IMAGE_KINDS:
        return Delivery.IMAGE
    if file.rendition_path:
        return Delivery.PDF
    if may_manage_resource(actor, resource):
        return Delivery.ORIGINAL
    if file.convert_status == ExtractStatus.FAILED:
        raise PermissionDenied(ERR_CONVERSION_FAILED)
    raise PermissionDenied(ERR_CONVERSION_PENDING)


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
    try:
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
    except BaseException:
        files.discard(stored.path)  # this transaction rolls back: nothing may refer to the file
        raise
    return row


def _tags(names: list[str] | str) -> list[Tag]:
    if isinstance(names, str):
        names = names.replace("，", ",").replace("、", ",").split(",")
    clean = sorted({n.strip()[:30] for n in names if n.strip()})
    return [Tag.objects.get_or_create(name=n)[0] for n in clean]


RESOURCE_EDITABLE_FIELDS = [
    "handout", "file", "title", "summary", "category", "office", "training_class", "lecture", "scope",
    "allow_download", "text", "updated_at",
]  # fmt: skip


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
    _check_fields(title=title, scope=scope, units=units)
    before = _snapshot(resource) if resource is not None else None
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
    if resource.pk is None:
        resource.save()
    else:  # never write back index_terms: the index's upkeep owns it and this copy may be stale
        resource.save(update_fields=RESOURCE_EDITABLE_FIELDS)
    resource.tags.set(_tags(tags))
    resource.units.set((units or []) if scope == Scope.UNITS else [])
    index.refresh_access(resource)
    detail: dict = {"scope": scope, "version": file.version}
    if before is not None:
        after = _snapshot(resource)
        detail["changed"] = [k for k in after if after[k] != before[k]]
    audit_record(actor=actor, event=Event.LIBRARY_RESOURCE_SAVE, obj=resource, detail=detail)
    from peixun.library.tasks import resource_reindex

    enqueue(resource_reindex, resource_id=resource.pk)
    return resource


def _check_fields(*, title: str, scope: str, units: list[Unit] | None) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = ERR_TITLE_REQUIRED
    if scope not in Scope.values:
        errors["scope"] = ERR_NOT_ALLOWED
    if scope == Scope.UNITS and not units:
        errors["units"] = ERR_UNITS_REQUIRED
    if errors:
        raise ValidationError(errors)


def _snapshot(resource: Resource) -> dict:
    """What an edit may change, to say in the audit trail which fields it changed."""
    return {
        "title": resource.title, "summary": resource.summary, "category": resource.category,
        "scope": resource.scope, "allow_download": resource.allow_download, "file": resource.file_id,
        "tags": sorted(resource.tags.values_list("name", flat=True)) if resource.pk else [],
        "units": sorted(resource.units.values_list("pk", flat=True)) if resource.pk else [],
    }  # fmt: skip


@transaction.atomic
def resource_update(
    *,
    actor: User,
    resource: Resource,
    title: str,
    summary: str = "",
    category: str = "",
    tags: list[str] | str = (),  # type: ignore[assignment]
    scope: str = Scope.ALL,
    units: list[Unit] | None = None,
    allow_download: bool = True,
    data: bytes | None = None,
    filename: str = "",
) -> Resource:
    """Edit an organised resource; a new file becomes the handout's next version (the older ones are kept)
    and the resource moves to it. A published resource stays published, under its new scope at once."""
    if not may_manage_resource(actor, resource):
        raise PermissionDenied(ERR_NOT_RESOURCE_MANAGER)
    resource = Resource.objects.select_for_update().select_related("file__handout__lecture").get(pk=resource.pk)
    _check_fields(title=title, scope=scope, units=units)  # before a byte is stored
    file = resource.file
    if data is not None:
        handout = file.handout
        file = handout_upload(actor=actor, lecture=handout.lecture, data=data, filename=filename, handout=handout)
    try:
        return resource_save(
            actor=actor, file=file, title=title, summary=summary, category=category, tags=tags, scope=scope,
            units=units, allow_download=allow_download, resource=resource,
        )  # fmt: skip
    except BaseException:
        if file.pk != resource.file_id:
            files.discard(file.stored_path)  # the new version's row rolls back with this transaction
        raise


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
    index.refresh_access(resource)
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
    index.refresh_access(resource)
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


@transaction.atomic
def favourite_set(*, actor: User, resource: Resource, on: bool) -> bool:
    """Idempotent form for the API: the caller fetched `resource` through the scoped selector."""
    if on:
        Favourite.objects.get_or_create(resource=resource, user=actor)
    else:
        Favourite.objects.filter(resource=resource, user=actor).delete()
    return on


def _unit_id(actor: User) -> int | None:
    return actor.grants.own_unit_id


@transaction.atomic
def resource_read_record(*, actor: User, resource: Resource) -> None:
    Access.objects.create(resource=resource, user=actor, unit_id=_unit_id(actor), kind=AccessKind.READ)
    Resource.objects.filter(pk=resource.pk).update(read_count=F("read_count") + 1)


@transaction.atomic
def resource_download_record(*, actor: User, resource: Resource) -> str:
    """Checked and audited before a single byte leaves; the caller fetched `resource` through the selector.
    Returns the delivery (see `download_delivery`)."""
    if not resource.allow_download and not may_manage_resource(actor, resource):
        raise PermissionDenied(ERR_DOWNLOAD_NOT_ALLOWED)
    delivery = download_delivery(actor=actor, resource=resource)
    stamped = delivery != Delivery.ORIGINAL
    Access.objects.create(resource=resource, user=actor, unit_id=_unit_id(actor), kind=AccessKind.DOWNLOAD)
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
    audit_record(
        actor=actor, event=Event.DOWNLOAD, obj=resource,
        detail={"file": resource.file_id, "version": resource.file.version, "stamped": stamped},
    )  # fmt: skip
    return delivery


@transaction.atomic
def handout_file_download_record(*, actor: User, file: HandoutFile) -> None:
    if not may_manage_lecture_handouts(actor, file.handout.lecture):
        raise PermissionDenied(ERR_NOT_HANDOUT_MANAGER)
    audit_record(actor=actor, event=Event.DOWNLOAD, obj=file, detail={"version": file.version})
