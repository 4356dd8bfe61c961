"""The staff page where a dispatch agency's licence is recorded at the counter."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.insurance import dispatch
from shebao.insurance.models import DispatchLicence
from shebao.testing import make_staff, make_unit, signed_in

pytestmark = pytest.mark.django_db
PAGE = "/insurance/staff/dispatch-licences/"


@pytest.fixture(autouse=True)
def _december():
    with freeze_time("2026-12-03 10:00:00+08:00"):
        yield


def licence_form(unit, **extra) -> dict[str, str]:
    return {
        "credit_code": unit.credit_code.lower(),  # normalised like every identifier
        "number": "220202202600001",
        "issued_by": "吉林市昌邑区人力资源和社会保障局",
        "valid_from": "2026-01-01",
        "valid_to": "2028-12-31",
        **extra,
    }


def test_staff_record_a_licence_for_a_unit_of_their_district_and_it_lets_the_unit_dispatch(hall):
    agency = make_unit(name="吉林市江城人力资源服务有限公司")
    staff = make_staff(districts=("220202",))
    client = signed_in(staff, "staff")

    response = client.post(PAGE, licence_form(agency), follow=True)

    text = response.content.decode()
    assert "已登记吉林市江城人力资源服务有限公司的劳务派遣经营许可证220202202600001" in text
    assert "2026-01-01<br>至 2028-12-31" in text and "有效" in text
    licence = DispatchLicence.objects.get(unit=agency)
    assert licence.recorded_by == staff
    assert dispatch.dispatch_licence_in_force(unit=agency, on=date(2026, 12, 3)) == licence
    # the same licence twice is one record, with the reason next to the form
    again = client.post(PAGE, licence_form(agency)).content.decode()
    assert "该单位已登记许可证220202202600001" in again
    assert DispatchLicence.objects.filter(unit=agency).count() == 1


def test_a_unit_outside_the_staff_members_districts_is_not_found_and_nothing_is_kept(hall):
    agency = make_unit(name="吉林市江城人力资源服务有限公司", district="220202")
    elsewhere = make_staff(districts=("220204",))
    make_staff(districts=("220202",))

    text = signed_in(elsewhere, "staff").post(PAGE, licence_form(agency)).content.decode()

    assert "未找到该单位" in text
    assert not DispatchLicence.objects.exists()
    # nor does the list show another district's licences
    dispatch.dispatch_licence_record(
        actor=None,
        unit=agency,
        number="X1",
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31),
    )
    assert "X1" not in signed_in(elsewhere, "staff").get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"valid_to": "2025-12-31"}, "有效期至不能早于有效期起"),
        ({"valid_from": "2026-02-30"}, "请填写有效的日期"),
        ({"credit_code": "91220202000010001"}, "统一社会信用代码"),
        ({"number": ""}, "这个字段是必填项"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_kept(hall, extra, message):
    agency = make_unit()
    staff = make_staff(districts=("220202",))

    text = signed_in(staff, "staff").post(PAGE, licence_form(agency, **extra)).content.decode()

    assert message in text
    assert not DispatchLicence.objects.exists()
