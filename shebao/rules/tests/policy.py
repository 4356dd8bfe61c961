"""Parameters for rule tests, built the way the policy store builds them: raw values as they are
written in the data files, parsed by :mod:`shebao.policy.schema` into ``Param`` objects.

The figures are DOMAIN.md's (national rates, the retirement schemes, the divisor table, the
2021 death rule) and the seed documents' (Jilin 2020 H1, Wuhan); each test states the ones it
depends on by overriding them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shebao.common.trace import FINAL, Param, ParamRef
from shebao.policy.schema import spec_for

DIVISORS = [
    "233",
    "230",
    "226",
    "223",
    "220",
    "216",
    "212",
    "208",
    "204",
    "199",
    "195",
    "190",
    "185",
    "180",
    "175",
    "170",
    "164",
    "158",
    "152",
    "145",
    "139",
    "132",
    "125",
    "117",
    "109",
    "101",
    "93",
    "84",
    "75",
    "65",
    "56",
]

NATIONAL: dict[str, Any] = {
    "rounding.base": {"step": "0.01", "mode": "ROUND_HALF_UP"},
    "rounding.amount": {"step": "0.01", "mode": "ROUND_HALF_UP"},
    "rounding.benefit": {"step": "0.01", "mode": "ROUND_HALF_UP"},
    "rounding.interest": {"step": "0.01", "mode": "ROUND_HALF_UP"},
    "contribution.base_floor_pct": "0.6",
    "contribution.base_ceiling_pct": "3",
    "contribution.insurances": ["pension", "medical", "unemployment", "work_injury"],
    "rate.pension.unit": "0.16",
    "rate.pension.individual": "0.08",
    "rate.medical.unit": "0.06",
    "rate.medical.individual": "0.02",
    "rate.unemployment.unit": "0.005",
    "rate.unemployment.individual": "0.005",
    "rate.work_injury.class_rates": {
        "1": "0.002",
        "2": "0.004",
        "3": "0.007",
        "4": "0.009",
        "5": "0.011",
        "6": "0.013",
        "7": "0.016",
        "8": "0.019",
    },
    "flexible.rate": "0.20",
    "flexible.personal_account_rate": "0.08",
    "flexible.grades": [60, 70, 80, 90, 100, 120, 150, 200, 250, 300],
    "unemployment.min_contribution_months": 12,
    "unemployment.duration_table": [
        {"min_months": 12, "months": 12},
        {"min_months": 60, "months": 18},
        {"min_months": 120, "months": 24},
    ],
    "unemployment.max_months": 24,
    "unemployment.benefit_pct_of_min_wage": "0.90",
    "unemployment.near_retirement_months": 12,
    "pension.divisor_table": {str(40 + i): int(d) for i, d in enumerate(DIVISORS)},
    "pension.transitional_coefficient": "0.012",
    "pension.transitional_index_floor_one": False,
    "pension.min_contribution": {
        "base_months": 180,
        "from_year": 2030,
        "step_months": 6,
        "cap_months": 240,
    },
    "retirement.schemes": {
        "male": {
            "label": "男",
            "original_age": 60,
            "cohort_start": "1965-01",
            "step": 4,
            "cap": 36,
        },
        "female_cadre": {
            "label": "女（原55周岁）",
            "original_age": 55,
            "cohort_start": "1970-01",
            "step": 4,
            "cap": 36,
        },
        "female_worker": {
            "label": "女（原50周岁）",
            "original_age": 50,
            "cohort_start": "1975-01",
            "step": 2,
            "cap": 60,
        },
    },
    "retirement.elastic": {"max_early_months": 36, "max_late_months": 36},
    "death.scheme": {
        "rule": "income_2021",
        "funeral_months": "2",
        "relief_bands": [
            {"below_years": "5", "months": "3"},
            {"below_years": "10", "months": "6"},
            {"below_years": None, "months": "9"},
        ],
        "extra_per_year_above": "15",
        "relief_cap_months": "24",
        "contribution_years_cap": "30",
        "retiree_floor_months": "9",
    },
    "transfer.pooled_rate": "0.12",
    "transfer.pooled_since": "1998-01-01",
    "transfer.temporary_account_ages": {"M": 50, "F": 40},
    "payday.day": 15,
    "payday.shift_on_weekend": False,
    "payday.makeup_day_is_workday": True,
    "payday.advance_before_holidays": [],
}

# Jilin City 2020 H1 (seed 000): A = 55,340 yuan a year; grade bases rounded to whole yuan.
JILIN_2020H1: dict[str, Any] = {
    "wage.average_annual": "55340",
    "rounding.base": {"step": "1", "mode": "ROUND_HALF_UP"},
    "flexible.grades": [60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 200, 250, 280, 300],
}

# Wuhan (seed 001), split (a) of DOMAIN.md §3: A = 3,275.30 a month, bases rounded to fen.
WUHAN: dict[str, Any] = {
    "wage.average_annual": "39303.60",
    "flexible.grades": [60, 100, 300],
}


def param(
    key: str,
    raw: Any,
    *,
    region: str = "000000",
    valid_from: date = date(2000, 1, 1),
    valid_to: date | None = None,
    status: str = FINAL,
    source: str = "test",
) -> Param[Any]:
    """One parameter record, parsed exactly as the policy store parses stored values."""
    value = spec_for(key).parse(raw)
    return Param(value, ParamRef(key, region, valid_from, valid_to, status, source))


def params(*layers: dict[str, Any], region: str = "000000") -> dict[str, Param[Any]]:
    """National defaults overlaid with ``layers`` (later wins); a ``None`` value removes a key."""
    merged: dict[str, Any] = dict(NATIONAL)
    for layer in layers:
        merged.update(layer)
    return {k: param(k, v, region=region) for k, v in merged.items() if v is not None}
