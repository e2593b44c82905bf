"""Reads of handouts and the library, already cut to what the actor may see.

Who sees a published resource (its scope):
- all: every active account;
- provincial: accounts whose own unit is the provincial commission or one of its internal departments or
  dispatched bodies (省直机关);
- units: cadres of a chosen unit or of a unit below it;
- class: cadres enrolled in the resource's class.
Managers (the organisation department, members of the resource's office) also see drafts and withdrawn ones.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from peixun.accounts.models import User
from peixun.accounts.roles import Role
from peixun.library.models import Access, AccessKind, Handout, HandoutFile, Resource, ResourceStatus, Scope
from peixun.org.models import Unit, UnitKind
from peixun.training.models import Enrolment, EnrolmentStatus, Lecture

PROVINCIAL_KINDS = (UnitKind.PROVINCE, UnitKind.DEPARTMENT, UnitKind.DISPATCHED)


def _alive(actor: User) -> bool:
    return bool(actor.is_authenticated and actor.is_active)


def _offices(actor: User) -> list[int]:
    return sorted(actor.grants.member_office_ids | actor.grants.director_office_ids)


# --- Handouts -------------------------------------------------------------------------------------------


def may_manage_lecture_handouts(actor: User, lecture: Lecture) -> bool:
    """The lecture's teacher, members of the class's office, and the organisation department."""
    if not _alive(actor):
        return False
    if actor.has_role(Role.ORG_ADMIN) or lecture.teacher_id == actor.pk:
        return True
    return lecture.training_class.office_id in _offices(actor)


def handouts_q(actor: User) -> Q | None:
    if not _alive(actor):
        return None
    if actor.has_role(Role.ORG_ADMIN):
        return Q()
    q = Q(lecture__teacher=actor)
    offices = _offices(actor)
    if offices:
        q |= Q(lecture__training_class__office_id__in=offices)
    return q


def handouts_visible(*, actor: User) -> QuerySet[Handout]:
    q = handouts_q(actor)
    if q is None:
        return Handout.objects.none()
    return Handout.objects.filter(q).select_related("lecture", "lecture__training_class")


def handout_get(*, actor: User, pk: int) -> Handout:
    try:
        return handouts_visible(actor=actor).get(pk=pk)
    except (Handout.DoesNotExist, ValueError):
        raise Http404 from None


def handout_file_get(*, actor: User, pk: int) -> HandoutFile:
    q = handouts_q(actor)
    if q is None:
        raise Http404
    try:
        return HandoutFile.objects.select_related("handout").get(
            Q(pk=pk) & Q(handout__in=Handout.objects.filter(q).values("pk"))
        )
    except (HandoutFile.DoesNotExist, ValueError):
        raise Http404 from None


def handouts_for_lecture(*, actor: User, lecture: Lecture) -> QuerySet[Handout]:
    return handouts_visible(actor=actor).filter(lecture=lecture).prefetch_related("versions")


# --- Resources ------------------------------------------------------------------------------------------


def may_manage_resources(actor: User) -> bool:
    return _alive(actor) and (actor.has_role(Role.ORG_ADMIN) or bool(_offices(actor)))


def resource_manage_q(actor: User, *, prefix: str = "") -> Q | None:
    if not _alive(actor):
        return None
    if actor.has_role(Role.ORG_ADMIN):
        return Q()
    offices = _offices(actor)
    if not offices:
        return None
    return Q(**{f"{prefix}office_id__in": offices}) | Q(**{f"{prefix}training_class__office_id__in": offices})


def resource_read_q(actor: User, *, prefix: str = "") -> Q | None:
    """Published resources the actor may read (managers' extra rights are not included)."""
    if not _alive(actor):
        return None
    p = prefix
    scopes = Q(**{f"{p}scope": Scope.ALL})
    unit_id = actor.grants.own_unit_id
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id).values("path", "kind").first()
        if unit is not None:
            if unit["kind"] in PROVINCIAL_KINDS:
                scopes |= Q(**{f"{p}scope": Scope.PROVINCIAL})
            chosen = Resource.units.through.objects.filter(
                resource_id=OuterRef(f"{p}pk" if p else "pk"),
            ).filter(unit__path__in=_ancestor_paths(unit["path"]))
            scopes |= Q(**{f"{p}scope": Scope.UNITS}) & Q(Exists(chosen))
    if actor.cadre_id is not None:
        enrolled = Enrolment.objects.filter(
            cadre_id=actor.cadre_id,
            status=EnrolmentStatus.ENROLLED,
            training_class_id=OuterRef(f"{p}training_class_id"),
        )
        scopes |= Q(**{f"{p}scope": Scope.CLASS}) & Q(Exists(enrolled))
    return Q(**{f"{p}status": ResourceStatus.PUBLISHED}) & scopes


def _ancestor_paths(path: str) -> list[str]:
    """A materialised path and every prefix of it that ends a segment ('/1/4/9/' -> '/1/', '/1/4/', ...)."""
    parts = [seg for seg in path.split("/") if seg]
    lead = "/" if path.startswith("/") else ""
    tail = "/" if path.endswith("/") else ""
    return [lead + "/".join(parts[: i + 1]) + tail for i in range(len(parts))]


def resource_scope_q(actor: User, *, prefix: str = "") -> Q | None:
    read = resource_read_q(actor, prefix=prefix)
    manage = resource_manage_q(actor, prefix=prefix)
    if manage is not None and not manage:
        return manage  # an empty Q means everything; OR-ing it into another Q would silently drop it
    if read is None:
        return manage
    return read if manage is None else (read | manage)


# Keys of the search index that stand for who may see a resource (peixun.library.index.access_terms). They
# restate resource_scope_q for the index, so a search can cut its candidates to the actor's scope without
# reading the resources; the page it shows is still fetched through resources_visible.
KEY_ALL, KEY_PROVINCIAL = "~all", "~prov"


def key_unit(unit_id: int) -> str:
    return f"~u:{unit_id}"


def key_class(class_id: int) -> str:
    return f"~c:{class_id}"


def key_office(office_id: int) -> str:
    return f"~o:{office_id}"


def resource_access_keys(actor: User) -> list[str] | None:
    """The index keys of everything resource_scope_q lets the actor see; None means everything."""
    if not _alive(actor):
        return []
    if actor.has_role(Role.ORG_ADMIN):
        return None
    keys = [KEY_ALL]
    unit_id = actor.grants.own_unit_id
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id).values("path", "kind").first()
        if unit is not None:
            if unit["kind"] in PROVINCIAL_KINDS:
                keys.append(KEY_PROVINCIAL)
            keys += [key_unit(int(seg)) for seg in unit["path"].split("/") if seg]
    if actor.cadre_id is not None:
        classes = Enrolment.objects.filter(cadre_id=actor.cadre_id, status=EnrolmentStatus.ENROLLED).values_list(
            "training_class_id", flat=True
        )
        keys += [key_class(c) for c in sorted(set(classes))]
    keys += [key_office(o) for o in _offices(actor)]
    return keys


def resources_visible(*, actor: User) -> QuerySet[Resource]:
    q = resource_scope_q(actor)
    if q is None:
        return Resource.objects.none()
    return Resource.objects.filter(q).select_related("office", "training_class", "file")


def resource_get(*, actor: User, pk: int) -> Resource:
    try:
        return resources_visible(actor=actor).get(pk=pk)
    except (Resource.DoesNotExist, ValueError):
        raise Http404 from None


def may_manage_resource(actor: User, resource: Resource) -> bool:
    q = resource_manage_q(actor)
    return q is not None and Resource.objects.filter(q, pk=resource.pk).exists()


def resource_list(
    *, actor: User, category: str = "", tag: str = "", office: int | None = None, order: str = "new",
    status: str = ResourceStatus.PUBLISHED,
) -> QuerySet[Resource]:  # fmt: skip
    qs = resources_visible(actor=actor)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if tag:
        qs = qs.filter(tags__name=tag)
    if office:
        qs = qs.filter(office_id=office)
    qs = qs.prefetch_related("tags")
    if order == "popular":
        return qs.order_by("-read_count", "-published_at", "-id")
    return qs.order_by("-published_at", "-id")


def favourites(*, actor: User) -> QuerySet[Resource]:
    return resources_visible(actor=actor).filter(favourites__user=actor).order_by("-favourites__created_at")


def my_downloads(*, actor: User) -> QuerySet[Access]:
    visible = resources_visible(actor=actor).values("pk")
    return (
        Access.objects.filter(user=actor, kind=AccessKind.DOWNLOAD, resource__in=visible)
        .select_related("resource")
        .order_by("-created_at")
    )


def stats_by_unit(*, actor: User, resource: Resource | None = None) -> QuerySet:
    """Reads and downloads per unit of the readers, over the resources the actor manages."""
    q = resource_manage_q(actor, prefix="resource__")
    if q is None:
        return Access.objects.none().values("unit__name")
    qs = Access.objects.filter(q)
    if resource is not None:
        qs = qs.filter(resource=resource)
    return (
        qs.values("unit__name", "unit__path")
        .annotate(
            reads=Count("pk", filter=Q(kind=AccessKind.READ)),
            downloads=Count("pk", filter=Q(kind=AccessKind.DOWNLOAD)),
        )
        .order_by("unit__path")
    )


def stats_by_resource(*, actor: User) -> QuerySet[Resource]:
    q = resource_manage_q(actor)
    if q is None:
        return Resource.objects.none()
    return Resource.objects.filter(q).order_by("-read_count", "-download_count", "-id")
