from datetime import date

import pytest

from shebao.common.errors import Conflict, InvalidInput, PermissionDenied, Unauthenticated
from shebao.policy.models import PolicyChange, PolicyParameter
from shebao.policy.selectors import param
from shebao.policy.services import parameter_finalize, parameter_record

from .conftest import actor_of

pytestmark = pytest.mark.usefixtures("policy_data")


def record_minimum_wage(actor, **overrides):
    arguments = (
        dict(
            actor=actor,
            region="220200",
            key="wage.minimum_monthly",
            valid_from=date(2027, 1, 1),
            valid_to=None,
            value="1950",
            status="final",
            source="吉政发〔2026〕1号",
            note="",
            reason="新标准公布",
        )
        | overrides
    )
    return parameter_record(**arguments)


@pytest.mark.parametrize(
    ("who", "error", "code"),
    [
        ("anonymous", Unauthenticated, "UNAUTHENTICATED"),
        ("individual", PermissionDenied, "POLICY_EDIT_FORBIDDEN"),
        ("unit", PermissionDenied, "POLICY_EDIT_FORBIDDEN"),
        ("staff", PermissionDenied, "POLICY_EDIT_FORBIDDEN"),
    ],
)
def test_only_staff_with_the_permission_may_record_or_finalize(people, who, error, code):
    actor = actor_of(people, who)
    provisional = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 7, 1)
    )
    before = (PolicyParameter.objects.count(), PolicyChange.objects.count())

    with pytest.raises(error) as raised:
        record_minimum_wage(actor)
    assert raised.value.code == code
    with pytest.raises(error):
        parameter_finalize(actor=actor, record=provisional, value="2900.00", source="x", reason="y")

    provisional.refresh_from_db()
    assert provisional.status == "provisional"
    assert (PolicyParameter.objects.count(), PolicyChange.objects.count()) == before


def test_a_new_open_ended_value_closes_the_previous_one_with_audit_rows(editor):
    record = record_minimum_wage(editor)

    previous = PolicyParameter.objects.get(
        region_id="220200", key="wage.minimum_monthly", valid_from=date(2020, 1, 1)
    )
    assert previous.valid_to == date(2026, 12, 31)
    assert (record.origin, record.updated_by, record.value) == ("staff", editor.user, "1950")
    assert param(region="220202", key="wage.minimum_monthly", on=date(2027, 3, 1)).value == 1950
    assert (
        param(region="220202", key="wage.minimum_monthly", on=date(2026, 12, 31)).ref.record_id
        == previous.pk
    )
    created = PolicyChange.objects.get(record=record)
    assert (created.action, created.actor, created.new_value, created.reason) == (
        "created",
        editor.user,
        "1950",
        "新标准公布",
    )
    closed = PolicyChange.objects.filter(record=previous).first()
    assert closed.action == "updated"
    assert closed.reason == "新记录自 2027-01-01 起生效，原记录截止于前一日：新标准公布"


def test_submitting_the_same_record_twice_creates_one(editor):
    first = record_minimum_wage(editor)
    count = PolicyChange.objects.count()

    second = record_minimum_wage(editor)

    assert second.pk == first.pk
    assert PolicyChange.objects.count() == count


def test_an_overlapping_period_is_refused_and_nothing_changes(editor):
    before = (PolicyParameter.objects.count(), PolicyChange.objects.count())

    with pytest.raises(Conflict) as raised:
        record_minimum_wage(editor, valid_from=date(2020, 6, 1), valid_to=date(2020, 12, 31))

    assert raised.value.code == "POLICY_PERIOD_OVERLAP"
    assert raised.value.message == (
        "“月最低工资标准”在吉林市已有 2020-01-01 至 今 的记录，与新记录的有效期（2020-06-01 至 2020-12-31）重叠"
    )
    assert (PolicyParameter.objects.count(), PolicyChange.objects.count()) == before


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"value": 1950.0}, "POLICY_VALUE_INVALID"),
        ({"value": "-1"}, "POLICY_VALUE_INVALID"),
        ({"key": "wage.nope"}, "POLICY_KEY_UNKNOWN"),
        ({"status": "draft"}, "POLICY_STATUS_INVALID"),
        ({"valid_to": date(2026, 1, 1)}, "POLICY_PERIOD_INVALID"),
        ({"source": "  "}, "POLICY_FIELD_REQUIRED"),
        ({"reason": ""}, "POLICY_FIELD_REQUIRED"),
        ({"source": "demo"}, "POLICY_NOTE_REQUIRED"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code_and_nothing_changes(editor, overrides, code):
    before = (PolicyParameter.objects.count(), PolicyChange.objects.count())

    with pytest.raises(InvalidInput) as raised:
        record_minimum_wage(editor, **overrides)

    assert raised.value.code == code
    assert (PolicyParameter.objects.count(), PolicyChange.objects.count()) == before


def test_finalizing_replaces_the_provisional_value_in_place_with_an_audit_row(editor):
    record = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 7, 1)
    )

    finalized = parameter_finalize(
        actor=editor, record=record, value="2900.00", source="吉人社〔2020〕9号", reason="已公布"
    )

    assert finalized.pk == record.pk
    assert (finalized.value, finalized.status, finalized.source, finalized.origin) == (
        "2900.00",
        "final",
        "吉人社〔2020〕9号",
        "staff",
    )
    change = PolicyChange.objects.filter(record=record).first()
    assert (change.action, change.old_value, change.old_status, change.new_value, change.new_status) == (
        "finalized", "2767.00", "provisional", "2900.00", "final",
    )  # fmt: skip
    assert change.old_source == "吉林市社保局疫情期间答问（问题二）"
    found = param(region="220202", key="contribution.base_floor", on=date(2020, 8, 1))
    assert (found.value, found.ref.status) == (2900, "final")


def test_a_final_record_cannot_be_finalized_again(editor):
    record = PolicyParameter.objects.get(
        region_id="220200", key="contribution.base_floor", valid_from=date(2020, 1, 1)
    )
    count = PolicyChange.objects.count()

    with pytest.raises(Conflict) as raised:
        parameter_finalize(actor=editor, record=record, value="2800.00", source="x", reason="y")

    assert raised.value.code == "POLICY_ALREADY_FINAL"
    record.refresh_from_db()
    assert record.value == "2767.00"
    assert PolicyChange.objects.count() == count
