"""Background jobs: text extraction, Office-to-PDF conversion, and the search index."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.db import transaction

from peixun.core.tasks import job
from peixun.library import files
from peixun.library.models import ExtractStatus, FileKind, HandoutFile, Resource
from peixun.library.search import index_resource, read_file_text

log = logging.getLogger(__name__)
OFFICE_KINDS = {FileKind.DOCX, FileKind.PPTX, FileKind.XLSX}
CONVERT_TIMEOUT = 180


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@job
def handout_file_process(*, file_id: int) -> None:
    row = HandoutFile.objects.filter(pk=file_id).first()
    if row is None:
        return
    try:
        row.text = read_file_text(row.kind, row.stored_path)
        row.extract_status = ExtractStatus.DONE
    except Exception:  # a damaged file must not stop the rest; its text stays empty
        log.exception("text extraction failed for handout file %s", file_id)
        row.extract_status = ExtractStatus.FAILED
    row.save(update_fields=["text", "extract_status"])
    if row.kind in OFFICE_KINDS:
        convert_to_pdf(row)
    for resource in Resource.objects.filter(file=row):
        resource.text = row.text
        resource.save(update_fields=["text"])
        index_resource(resource)


def convert_to_pdf(row: HandoutFile) -> None:
    """LibreOffice headless, when installed; else the preview page says the conversion is unavailable."""
    binary = soffice()
    if binary is None:
        HandoutFile.objects.filter(pk=row.pk).update(convert_status=ExtractStatus.FAILED)
        return
    source = files.absolute(row.stored_path)
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", out, str(source)],
            capture_output=True, timeout=CONVERT_TIMEOUT, check=False,
        )  # fmt: skip
        produced = Path(out) / (source.stem + ".pdf")
        if result.returncode != 0 or not produced.exists():
            log.warning("conversion failed for %s: %s", row.pk, result.stderr[-500:])
            HandoutFile.objects.filter(pk=row.pk).update(convert_status=ExtractStatus.FAILED)
            return
        relative = row.stored_path.rsplit(".", 1)[0] + ".pdf"
        target = files.final_path(relative)
        with transaction.atomic():
            if not target.exists():  # a repeated job reuses the conversion it already made
                target.with_name(target.name + files.PENDING_SUFFIX).unlink(missing_ok=True)
                files.write_transactional(relative, produced.read_bytes())
            HandoutFile.objects.filter(pk=row.pk).update(pdf_path=relative, convert_status=ExtractStatus.DONE)


@job
def resource_reindex(*, resource_id: int) -> None:
    resource = Resource.objects.filter(pk=resource_id).select_related("file").first()
    if resource is None:
        return
    if resource.text != resource.file.text:
        resource.text = resource.file.text
        resource.save(update_fields=["text"])
    index_resource(resource)
