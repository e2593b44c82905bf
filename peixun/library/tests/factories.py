from __future__ import annotations

from peixun.accounts.models import User
from peixun.library import services
from peixun.library.models import HandoutFile, Resource
from peixun.library.tasks import handout_file_process, resource_reindex
from peixun.library.tests.samples import pdf_bytes
from peixun.training.models import Lecture
from peixun.training.tests.factories import ClassFactory, LectureFactory


def lecture_of(office, **kwargs) -> Lecture:  # type: ignore[no-untyped-def]
    return LectureFactory(training_class=ClassFactory(office=office), **kwargs)


def upload(actor: User, lecture: Lecture, data: bytes | None = None, name: str = "讲义.pdf", **kw) -> HandoutFile:  # type: ignore[no-untyped-def]
    """Upload and run the extraction job (tests never commit, so on_commit jobs are run here by hand)."""
    file = services.handout_upload(
        actor=actor, lecture=lecture, data=data or pdf_bytes("讲义正文"), filename=name, **kw
    )
    handout_file_process(file_id=file.pk)
    file.refresh_from_db()
    return file


def published(
    actor: User, lecture: Lecture, *, title: str, data: bytes | None = None, name: str = "讲义.pdf", **kw
) -> Resource:  # type: ignore[no-untyped-def]
    file = upload(actor, lecture, data, name)
    resource = services.resource_save(actor=actor, file=file, title=title, **kw)
    resource_reindex(resource_id=resource.pk)
    return services.resource_publish(actor=actor, resource=resource)
