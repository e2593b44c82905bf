from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _library_settings(settings, tmp_path) -> None:
    """Jobs inline (extraction and indexing happen before the service returns) and uploads in a temp dir."""
    settings.TASKS_BACKEND = "sync"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def lecture(office, teacher):  # type: ignore[no-untyped-def]
    from peixun.library.tests.factories import lecture_of

    return lecture_of(office, teacher=teacher)
