from __future__ import annotations

import pytest

from peixun.offices.models import ResearchOffice
from peixun.teachers.tests.factories import RoundFactory


@pytest.fixture
def office_b(tree) -> ResearchOffice:
    return ResearchOffice.objects.create(code="XF", name="信访举报教研室", field="信访举报", sort_order=3)


@pytest.fixture
def intake(office, office_b):
    return RoundFactory(fields=[office, office_b])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
