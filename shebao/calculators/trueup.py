"""Recomputing stored results after a parameter changes (多退少补).

For each region-dependent calculator the policy store gets a ``compute(inputs)`` that parses the
stored inputs with the calculator's own fields and calls the same service the calculator and the
bills and benefits call, returning the amounts the calculator compares and the trace. Inputs are
stored as JSON with the calculator's field names, e.g. for ``contribution``:
``{"region": "220200", "month": "2020-07", "wage": "5000.00", "injury_class": 1}``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from shebao.calculators.definitions import CALCULATORS, Calculator
from shebao.calculators.inputs import parse
from shebao.common.trace import Trace
from shebao.policy import calculations


def recompute(
    calculator: Calculator,
) -> Callable[[dict[str, Any]], tuple[dict[str, Decimal], Trace]]:
    def compute(inputs: dict[str, Any]) -> tuple[dict[str, Decimal], Trace]:
        parsed = parse(calculator.fields, inputs)
        if not parsed.ok:
            raise parsed.first_error()
        result = calculator.compute(parsed.values)
        return calculator.amounts(result), result.trace

    compute.__name__ = f"recompute_{calculator.slug.replace('-', '_')}"
    return compute


def register_all() -> None:
    """Register every region-dependent calculator's recomputation (kinds: contribution,
    flexible, unemployment, pension, death_benefit, payday)."""
    for calculator in CALCULATORS:
        if calculator.kind:
            calculations.register(calculator.kind, recompute(calculator))
