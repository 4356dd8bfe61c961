"""The 仲裁申请书 to fill in beforehand: a real Word document, blank for anyone, filled with a
case's parties and claims for the case's parties and staff."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from lxml import etree

from shebao.disputes import services
from shebao.disputes.documents import CONTENT_TYPE, W
from shebao.testing import act, signed_in

pytestmark = pytest.mark.django_db


def _texts(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == [
            "[Content_Types].xml",
            "_rels/.rels",
            "word/document.xml",
        ]
        root = etree.fromstring(archive.read("word/document.xml"))
    return "".join(root.itertext()), root


def test_anyone_downloads_the_blank_arbitration_application(client, db):
    response = client.get("/disputes/forms/arbitration-application.docx")

    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    text, root = _texts(response.content)
    assert "劳动人事争议仲裁申请书" in text
    for label in ("申请人（劳动者）", "被申请人（用人单位）", "仲裁请求", "事实和理由", "此致"):
        assert label in text
    assert len(root.findall(f".//{{{W}}}tbl")) == 1


def test_a_cases_application_is_filled_in_with_its_parties_and_escaped(world):
    case, _ = services.dispute_file(
        actor=act(world.worker),
        kind="arbitration",
        data=services.DisputeInput(
            counterpart=world.unit.credit_code,
            dispute_type="wages",
            claims="支付工资 <3000> & 赔偿金",
            facts="拖欠工资",
            claim_amount="3000.50",
            aware_date=date(2024, 5, 1),
        ),
        submission_key="d1",
    )

    response = signed_in(world.worker, "individual").get(
        f"/disputes/{case.number}/arbitration-application.docx"
    )

    text, _ = _texts(response.content)
    assert "支付工资 <3000> & 赔偿金" in text
    assert "请求金额合计：3000.50 元" in text
    assert world.unit.name in text and world.unit.credit_code in text
    assert world.worker.person.id_number not in text  # masked
    other = signed_in(world.labour_there, "staff").get(
        f"/disputes/{case.number}/arbitration-application.docx"
    )
    assert other.status_code == 404
