"""Material uploads: content sniffing, size limits, storage and clean-up."""

from __future__ import annotations

import hashlib

import pytest
from django.db import IntegrityError

from shebao.applications import services
from shebao.applications.models import ApplicationEvent, Material
from shebao.applications.tests.conftest import JPEG, PDF, PNG, act, new_application, pdf, submitted
from shebao.applications.uploads import sniff, upload_check
from shebao.common.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT / "applications"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("head", "expected"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"), (b"GIF89a", None)],
)
def test_sniff_reads_magic_numbers(head, expected):
    assert sniff(head) == expected


@pytest.mark.parametrize(
    ("name", "declared", "head", "expected"),
    [
        ("a.PDF", "application/pdf", PDF, "application/pdf"),
        ("a.jpeg", "image/jpg", JPEG, "image/jpeg"),  # a common alias
        ("a.png", "application/octet-stream", PNG, "image/png"),  # undeclared: magic decides
        ("a.png", "", PNG, "image/png"),
    ],
)
def test_upload_check_accepts_matching_type_extension_and_magic(name, declared, head, expected):
    assert upload_check(name=name, declared_type=declared, size=len(head), head=head) == expected


def test_upload_check_refuses_a_gif_even_when_named_png():
    with pytest.raises(InvalidInput) as caught:
        upload_check(name="a.png", declared_type="image/png", size=10, head=b"GIF89a....")
    assert caught.value.code == "UPLOAD_TYPE_NOT_ALLOWED"
    assert caught.value.message == "文件格式不支持：该材料只能上传 PDF、JPG、PNG 格式的文件"


def test_a_good_upload_is_stored_under_a_random_name_with_its_hash(world, settings):
    application = new_application(world)
    material = services.material_upload(
        actor=act(world.a), application=application, code="photo", file=pdf("../../etc/照片.pdf")
    )
    assert material.original_name == "照片.pdf"  # no path from the client survives
    assert material.sha256 == hashlib.sha256(PDF).hexdigest()
    assert material.size == len(PDF)
    assert material.file.name.startswith("applications/")
    assert "照片" not in material.file.name
    assert (settings.MEDIA_ROOT / material.file.name).read_bytes() == PDF
    assert application.events.last().data["file"] == "照片.pdf"


def test_the_file_is_removed_when_the_row_does_not_commit(world, settings, monkeypatch):
    application = new_application(world)
    files_before = len(stored_files(settings))
    rows_before = Material.objects.count()

    def fail(**kwargs):
        raise IntegrityError("simulated database failure after the file was written")

    monkeypatch.setattr(Material.objects, "create", fail)
    with pytest.raises(IntegrityError):
        services.material_upload(
            actor=act(world.a), application=application, code="photo", file=pdf()
        )
    monkeypatch.undo()
    assert len(stored_files(settings)) == files_before
    assert Material.objects.count() == rows_before


def test_a_declared_size_that_lies_is_cut_off_at_the_limit(world, settings):
    settings.SHEBAO_UPLOAD_MAX_BYTES = 200
    application = new_application(world)
    files_before = len(stored_files(settings))
    upload = pdf(content=PDF + b"x" * 500)
    upload.size = 10  # a client that lies about the size
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(
            actor=act(world.a), application=application, code="photo", file=upload
        )
    assert caught.value.code == "UPLOAD_TOO_LARGE"
    assert len(stored_files(settings)) == files_before


def test_upload_to_a_submitted_application_is_refused_before_storing(world, settings):
    application = submitted(world)
    files_before = len(stored_files(settings))
    with pytest.raises(Conflict) as caught:
        services.material_upload(
            actor=act(world.a), application=application, code="photo", file=pdf()
        )
    assert caught.value.code == "APPLICATION_INVALID_TRANSITION"
    assert len(stored_files(settings)) == files_before


def test_an_unknown_material_code_is_refused(world):
    application = new_application(world)
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(
            actor=act(world.a), application=application, code="passport", file=pdf()
        )
    assert caught.value.code == "MATERIAL_CODE_UNKNOWN"


def test_other_materials_are_accepted(world):
    application = new_application(world)
    material = services.material_upload(
        actor=act(world.a), application=application, code="other", file=pdf("补充说明.pdf")
    )
    assert material.code == "other"


def test_remove_keeps_the_file_for_the_audit_trail_and_reopens_the_gap(world):
    application = new_application(world)
    material = application.materials.get(code="contract_end")
    services.material_remove(actor=act(world.a), application=application, material_id=material.pk)
    material.refresh_from_db()
    assert material.removed_at is not None
    assert material.file.storage.exists(material.file.name)
    assert (
        ApplicationEvent.objects.filter(application=application, action="remove_material").count()
        == 1
    )
    with pytest.raises(InvalidInput) as caught:
        services.application_submit(
            actor=act(world.a), application=application, version=application.version
        )
    assert caught.value.code == "MATERIALS_MISSING"


def test_the_per_application_file_limit(world, monkeypatch):
    monkeypatch.setattr(services, "MAX_MATERIALS", 2)
    application = new_application(world)  # two required materials uploaded
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(
            actor=act(world.a), application=application, code="photo", file=pdf()
        )
    assert caught.value.code == "UPLOAD_LIMIT_REACHED"


# --- accepted file types per material ----------------------------------------------------------


def _xlsx() -> bytes:
    """The parts of an OOXML workbook the check looks for."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
    return out.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def roster_matter(world):
    world.matter.materials = [
        {
            "code": "roster",
            "name": "参保人员名册",
            "required": False,  # so that new_application (which uploads PDFs) leaves it empty
            "core": False,
            "accept": ["xlsx"],
        },
        {
            "code": "photo",
            "name": "照片",
            "required": False,
            "core": False,
            "accept": ["jpeg", "png"],
        },
        {"code": "scan", "name": "证明", "required": False, "core": False},
    ]
    world.matter.save()
    return world.matter


def test_a_roster_is_an_xlsx_and_nothing_else(world, roster_matter):
    application = new_application(world)
    actor = act(world.a)
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(actor=actor, application=application, code="roster", file=pdf())
    assert caught.value.code == "UPLOAD_TYPE_NOT_ALLOWED"
    assert caught.value.message == "文件格式不支持：该材料只能上传 Excel（.xlsx） 格式的文件"
    assert application.materials.count() == 0

    material = services.material_upload(
        actor=actor,
        application=application,
        code="roster",
        file=pdf("名册.xlsx", _xlsx(), XLSX_TYPE),
    )
    assert (material.code, material.content_type) == ("roster", XLSX_TYPE)
    assert material.file.name.endswith(".xlsx")


def test_a_zip_renamed_to_xlsx_is_refused_and_not_kept(world, roster_matter, settings):
    import io
    import zipfile
    from pathlib import Path

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    application = new_application(world)
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(
            actor=act(world.a),
            application=application,
            code="roster",
            file=pdf("名册.xlsx", buffer.getvalue(), XLSX_TYPE),
        )
    assert caught.value.message.startswith("文件不是有效的 Excel 工作簿")
    assert application.materials.count() == 0
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*.xlsx")] == []


def test_a_photo_is_jpeg_or_png_and_a_scan_may_be_pdf(world, roster_matter):
    application = new_application(world)
    actor = act(world.a)
    with pytest.raises(InvalidInput) as caught:
        services.material_upload(actor=actor, application=application, code="photo", file=pdf())
    assert caught.value.message == "文件格式不支持：该材料只能上传 JPG、PNG 格式的文件"
    services.material_upload(
        actor=actor, application=application, code="photo", file=pdf("照片.png", PNG, "image/png")
    )
    services.material_upload(actor=actor, application=application, code="scan", file=pdf())
    with pytest.raises(InvalidInput):
        services.material_upload(
            actor=actor,
            application=application,
            code="scan",
            file=pdf("名册.xlsx", _xlsx(), XLSX_TYPE),
        )
    assert sorted(application.materials.values_list("code", flat=True)) == ["photo", "scan"]


def test_the_upload_form_offers_only_the_materials_kinds(world, roster_matter):
    from shebao.testing import signed_in

    application = new_application(world)
    page = signed_in(world.a, "individual").get(f"/applications/{application.number}/")
    html = page.content.decode()
    assert f'accept=".xlsx,{XLSX_TYPE}"' in html
    assert 'accept=".jpg,.jpeg,image/jpeg,.png,image/png"' in html
