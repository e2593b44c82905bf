"""Scope policy of handouts and the library.

The foreign resource is published to county B1 only, from a class of another office, so no local role
reads or manages it; the public one is open to every account. Their files are written to MEDIA_ROOT and
removed when the test process ends.
"""

from __future__ import annotations

from peixun.core.tests.scope import AUTHENTICATED, Endpoint, World

ORG = frozenset({"org_admin"})
MANAGERS = frozenset({"org_admin", "office_director", "office_member"})
FOREIGN_TITLE = "乙一县专用资源LIB"


def build(world: World) -> None:
    import atexit

    from peixun.library import services
    from peixun.library.files import absolute
    from peixun.library.models import Scope
    from peixun.library.tests.samples import pdf_bytes
    from peixun.offices.models import ResearchOffice
    from peixun.training.tests.factories import ClassFactory, LectureFactory

    other, _ = ResearchOffice.objects.get_or_create(
        code="LIB-AJ", defaults={"name": "案件审理教研室LIB", "field": "案件审理"}
    )
    lecture = LectureFactory(training_class=ClassFactory(office=other))
    org = world.users["org_admin"]
    file = services.handout_upload(actor=org, lecture=lecture, data=pdf_bytes("乙一县"), filename="b1.pdf")
    atexit.register(lambda path=absolute(file.stored_path): path.unlink(missing_ok=True))
    foreign = services.resource_save(
        actor=org, file=file, title=FOREIGN_TITLE, scope=Scope.UNITS, units=[world.tree.county_b1]
    )
    services.resource_publish(actor=org, resource=foreign)
    public = services.resource_save(actor=org, file=file, title="全体干部资源LIB", scope=Scope.ALL)
    services.resource_publish(actor=org, resource=public)
    world.extra.update(library_lecture=lecture, library_file=file, library_foreign=foreign, library_public=public)


def _foreign(w: World) -> dict:
    return {"pk": w.library_foreign.pk}


def _public(w: World) -> dict:
    return {"pk": w.library_public.pk}


def _hidden(w: World) -> list[str]:
    return [FOREIGN_TITLE]


ENDPOINTS = [
    Endpoint("library:index", allow=AUTHENTICATED, hidden=_hidden),
    Endpoint("library:index", allow=AUTHENTICATED, hidden=_hidden, query=lambda w: {"q": "资源LIB"}, label="search"),
    Endpoint("library:favourites", allow=AUTHENTICATED, hidden=_hidden),
    Endpoint("library:downloads", allow=AUTHENTICATED, hidden=_hidden),
    Endpoint(
        "library:manage", allow=MANAGERS, hidden=_hidden, hidden_from=frozenset({"office_director", "office_member"})
    ),
    Endpoint("library:resource_detail", allow=ORG, kwargs=_foreign, label="foreign"),
    Endpoint("library:resource_detail", allow=AUTHENTICATED, kwargs=_public, label="public"),
    Endpoint("library:resource_preview", allow=ORG, kwargs=_foreign, label="foreign"),
    Endpoint("library:resource_preview", allow=AUTHENTICATED, kwargs=_public, label="public"),
    Endpoint("library:resource_download", allow=ORG, kwargs=_foreign, label="foreign"),
    Endpoint("library:resource_download", allow=AUTHENTICATED, kwargs=_public, label="public"),
    Endpoint("library:resource_favourite", allow=ORG, kwargs=_foreign, method="POST", label="foreign"),
    Endpoint("library:resource_favourite", allow=AUTHENTICATED, kwargs=_public, method="POST", label="public"),
    Endpoint("library:resource_publish", allow=ORG, kwargs=_foreign, method="POST", label="foreign"),
    Endpoint("library:resource_publish", allow=ORG, kwargs=_public, method="POST", label="public"),
    Endpoint("library:lecture_handouts", allow=ORG, kwargs=lambda w: {"lecture_pk": w.library_lecture.pk}),
    Endpoint(
        "library:lecture_handouts",
        allow=ORG,
        kwargs=lambda w: {"lecture_pk": w.library_lecture.pk},
        method="POST",
        data=lambda w: {"title": "无文件"},
        label="post",
    ),
    Endpoint("library:handout_file_download", allow=ORG, kwargs=lambda w: {"pk": w.library_file.pk}),
    Endpoint("library:resource_organise", allow=ORG, kwargs=lambda w: {"file_pk": w.library_file.pk}),
    Endpoint(
        "library:resource_organise",
        allow=ORG,
        kwargs=lambda w: {"file_pk": w.library_file.pk},
        method="POST",
        data=lambda w: {"title": "整理", "scope": "all"},
        label="post",
    ),
    Endpoint("library:resource_edit", allow=ORG, kwargs=_foreign, label="foreign"),
    Endpoint("library:resource_edit", allow=ORG, kwargs=_public, label="public"),
    Endpoint(
        "library:resource_edit",
        allow=ORG,
        kwargs=_foreign,
        method="POST",
        data=lambda w: {"title": "改名", "scope": "all"},
        label="post",
    ),
    # The JSON API (peixun.library.api).
    Endpoint("library-resource-list", allow=AUTHENTICATED, hidden=_hidden),
    Endpoint("library-resource-list", allow=AUTHENTICATED, hidden=_hidden, query=lambda w: {"q": "资源LIB"}, label="q"),
    Endpoint("library-resource-favourites", allow=AUTHENTICATED, hidden=_hidden),
    Endpoint("library-resource-detail", allow=ORG, kwargs=_foreign, label="foreign"),
    Endpoint("library-resource-detail", allow=AUTHENTICATED, kwargs=_public, label="public"),
    Endpoint("library-resource-download", allow=ORG, kwargs=_foreign, label="foreign"),
    Endpoint("library-resource-download", allow=AUTHENTICATED, kwargs=_public, label="public"),
    Endpoint("library-resource-favourite", allow=ORG, kwargs=_foreign, method="POST", label="foreign"),
    Endpoint("library-resource-favourite", allow=AUTHENTICATED, kwargs=_public, method="POST", label="public"),
]
