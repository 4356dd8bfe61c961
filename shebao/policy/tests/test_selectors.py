from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shebao.common.errors import NotFound
from shebao.common.trace import Trace
from shebao.policy.models import PolicyParameter
from shebao.policy.selectors import (
    emergency_in_force,
    param,
    param_or_none,
    param_series,
    parameters_in_force,
    policy_scope,
)

pytestmark = pytest.mark.usefixtures("reference_data")


def record(region, key, start, end, value, status="final", source="测试来源"):
    return PolicyParameter.objects.create(
        region_id=region,
        key=key,
        valid_from=start,
        valid_to=end,
        value=value,
        status=status,
        source=source,
        origin=PolicyParameter.Origin.FILE,
    )


def test_a_district_inherits_from_its_city_and_the_nation():
    national = record("000000", "rate.pension.individual", date(2006, 1, 1), None, "0.08")
    city = record(
        "220200", "contribution.base_floor", date(2020, 1, 1), date(2020, 6, 30), "2767.00"
    )

    rate = param(region="220202", key="rate.pension.individual", on=date(2020, 3, 1))
    floor = param(region="220202", key="contribution.base_floor", on=date(2020, 3, 1))

    assert rate.value == Decimal("0.08")
    assert rate.ref.region == "000000"
    assert rate.ref.record_id == national.pk
    assert floor.value == Decimal("2767.00")
    assert floor.ref.region == "220200"
    assert floor.ref.valid_to == date(2020, 6, 30)
    assert floor.ref.record_id == city.pk


def test_the_nearest_region_wins_and_dates_are_inclusive():
    record("000000", "rate.medical.unit", date(2000, 1, 1), None, "0.06")
    own = record("110000", "rate.medical.unit", date(2020, 1, 1), date(2020, 12, 31), "0.098")

    assert (
        param(region="110105", key="rate.medical.unit", on=date(2020, 12, 31)).ref.record_id
        == own.pk
    )
    after = param(region="110105", key="rate.medical.unit", on=date(2021, 1, 1))
    assert (after.value, after.ref.region) == (Decimal("0.06"), "000000")
    before = param(region="110105", key="rate.medical.unit", on=date(2019, 12, 31))
    assert before.ref.region == "000000"


def test_a_missing_parameter_is_reported_in_chinese_with_label_region_and_date():
    with pytest.raises(NotFound) as raised:
        param(region="220200", key="wage.minimum_monthly", on=date(2020, 3, 1))
    assert raised.value.code == "POLICY_PARAM_MISSING"
    assert raised.value.message == (
        "吉林市在2020年3月1日没有有效的政策参数“月最低工资标准”（wage.minimum_monthly），请联系经办机构补录"
    )
    assert param_or_none(region="220200", key="wage.minimum_monthly", on=date(2020, 3, 1)) is None


def test_an_unknown_region_is_not_found():
    with pytest.raises(NotFound) as raised:
        param(region="999999", key="wage.minimum_monthly", on=date(2020, 3, 1))
    assert raised.value.code == "REGION_NOT_FOUND"


def test_a_provisional_value_makes_the_trace_provisional():
    record(
        "220200",
        "contribution.base_floor",
        date(2020, 7, 1),
        date(2020, 12, 31),
        "2767.00",
        status="provisional",
    )
    trace = Trace(rule="t", title="t")

    trace.use(param(region="220200", key="contribution.base_floor", on=date(2020, 8, 1)))

    assert trace.provisional is True


def test_series_applies_inheritance_date_by_date():
    national_2019 = record(
        "000000", "pension.crediting_rate", date(2019, 1, 1), date(2019, 12, 31), "0.0761"
    )
    national_2020 = record(
        "000000", "pension.crediting_rate", date(2020, 1, 1), date(2020, 12, 31), "0.0604"
    )
    local = record("220200", "pension.crediting_rate", date(2020, 7, 1), date(2020, 8, 31), "0.05")
    record("000000", "pension.crediting_rate", date(2022, 1, 1), None, "0.0612")

    series = param_series(
        region="220200",
        key="pension.crediting_rate",
        start=date(2019, 6, 1),
        end=date(2020, 12, 31),
    )

    assert [p.ref.record_id for p in series] == [
        national_2019.pk,
        national_2020.pk,
        local.pk,
        national_2020.pk,
    ]
    assert [p.value for p in series] == [
        Decimal("0.0761"),
        Decimal("0.0604"),
        Decimal("0.05"),
        Decimal("0.0604"),
    ]


def test_emergency_in_force_only_within_its_period():
    record(
        "110000",
        "emergency.measures",
        date(2020, 1, 31),
        date(2020, 9, 30),
        {"name": "疫情", "deferral_months_after_lift": 3, "waive_late_fee": True},
    )
    measures = emergency_in_force(region="110108", on=date(2020, 2, 15))
    assert measures.value["waive_late_fee"] is True
    assert emergency_in_force(region="110108", on=date(2020, 10, 1)) is None
    assert emergency_in_force(region="220200", on=date(2020, 2, 15)) is None


def test_parameters_in_force_marks_inherited_values_and_reads_in_two_queries():
    record("000000", "rate.pension.individual", date(2006, 1, 1), None, "0.08")
    record("220000", "wage.average_annual", date(2020, 1, 1), None, "55340")
    record("220200", "contribution.base_floor", date(2020, 1, 1), None, "2767.00")

    with CaptureQueriesContext(connection) as queries:
        rows = parameters_in_force(region="220200", on=date(2020, 3, 1))

    assert len(queries) == 2
    assert [(r.key, r.defined_in.code, r.inherited) for r in rows] == [
        ("wage.average_annual", "220000", True),
        ("contribution.base_floor", "220200", False),
        ("rate.pension.individual", "000000", True),
    ]


def test_a_scope_reads_each_lineage_once():
    record("000000", "rate.pension.individual", date(2006, 1, 1), None, "0.08")
    record("000000", "rate.pension.unit", date(2019, 5, 1), None, "0.16")

    with policy_scope(), CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            param(region="220202", key="rate.pension.individual", on=date(2020, 3, 1))
            param(region="220202", key="rate.pension.unit", on=date(2020, 3, 1))

    assert len(queries) == 2


def test_a_memo_lasts_while_policy_is_unchanged_and_follows_every_kind_of_change():
    from shebao.policy.selectors import policy_cache_clear, policy_memo

    calls = []

    def minimum_wage():
        calls.append(1)
        found = param_or_none(region="220200", key="wage.minimum_monthly", on=date(2024, 1, 1))
        return found.value if found else None

    key = ("test.minimum_wage",)
    assert policy_memo(key, minimum_wage) is None
    assert policy_memo(key, minimum_wage) is None
    assert len(calls) == 1

    created = record("220200", "wage.minimum_monthly", date(2023, 1, 1), None, "1880.00")
    assert policy_memo(key, minimum_wage) == Decimal("1880.00")
    created.value = "2000.00"
    created.save()
    assert policy_memo(key, minimum_wage) == Decimal("2000.00")
    created.delete()
    assert policy_memo(key, minimum_wage) is None
    assert len(calls) == 4

    # A value computed after a write in the same scope may yet be rolled back: not kept.
    with policy_scope():
        record("220200", "wage.minimum_monthly", date(2023, 1, 1), None, "2100.00")
        policy_cache_clear()
        assert policy_memo(key, minimum_wage) == Decimal("2100.00")
        assert policy_memo(key, minimum_wage) == Decimal("2100.00")
    assert len(calls) == 6
