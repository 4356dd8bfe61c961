"""Stored results and their true-up when a provisional parameter becomes final (多退少补).

A part of the system that stores an amount computed from policy (a bill, a benefit) records it
with :func:`calculation_record`, which links the result to every parameter row its trace used.
It also :func:`register`s how to recompute a result of its kind from the stored inputs. When a
parameter changes (typically a provisional value finalized), :func:`trueup_preview` recomputes
every live result that used it and shows the differences; :func:`trueup_settle` writes the
recomputed results, each superseding the old one and carrying the difference to refund or
charge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from shebao.accounts.actors import Actor
from shebao.common.errors import Conflict, DomainError
from shebao.common.periods import YearMonth
from shebao.common.trace import Trace
from shebao.policy import services
from shebao.policy.models import (
    CalculationParameter,
    CalculationRecord,
    PolicyChange,
    PolicyParameter,
)
from shebao.policy.selectors import calculations_using, policy_cache_clear, policy_scope

Compute = Callable[[dict[str, Any]], tuple[dict[str, Decimal], Trace]]

_COMPUTE: dict[str, Compute] = {}

ZERO = Decimal("0.00")


def register(kind: str, compute: Compute) -> None:
    """Say how to recompute a result of ``kind`` from its stored inputs with today's parameters.

    ``compute(inputs)`` gets the inputs as stored (JSON: decimals and dates as strings) and
    returns ``({name: Decimal}, trace)``. Registering a kind again replaces the function.
    """
    _COMPUTE[kind] = compute


def registered_kinds() -> list[str]:
    return sorted(_COMPUTE)


def _json_ready(value: Any) -> Any:
    """Inputs as JSON: Decimals and dates as exact strings, months as "YYYY-MM"."""
    if isinstance(value, float):
        raise TypeError(f"inputs must not hold floats: {value!r}")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | YearMonth):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def _amounts_json(amounts: dict[str, Decimal]) -> dict[str, str]:
    result = {}
    for name, amount in amounts.items():
        if not isinstance(amount, Decimal):
            raise TypeError(f"amount {name!r} must be a Decimal, not {type(amount).__name__}")
        result[str(name)] = format(amount, "f")
    return result


def _link(record: CalculationRecord, trace: Trace) -> None:
    ids = {ref.record_id for ref in trace.all_params() if ref.record_id is not None}
    known = set(PolicyParameter.objects.filter(pk__in=ids).values_list("pk", flat=True))
    CalculationParameter.objects.bulk_create(
        [CalculationParameter(calculation=record, parameter_id=pk) for pk in sorted(known)]
    )


@transaction.atomic
def calculation_record(
    *,
    kind: str,
    region: str,
    inputs: dict[str, Any],
    amounts: dict[str, Decimal],
    trace: Trace,
    subject: tuple[str, str] | None = None,
) -> CalculationRecord:
    """Store a result with its trace, linked to the parameter rows the trace used.

    ``inputs`` must be enough for the registered ``compute`` of ``kind`` to recompute it
    (Decimals and dates are stored as strings). ``provisional`` is taken from the trace.
    """
    record = CalculationRecord.objects.create(
        kind=kind,
        region_id=region,
        subject_type=subject[0] if subject else "",
        subject_id=str(subject[1]) if subject else "",
        inputs=_json_ready(inputs),
        amounts=_amounts_json(amounts),
        trace=trace.as_dict(),
        provisional=trace.provisional,
    )
    _link(record, trace)
    return record


@dataclass
class TrueUpLine:
    """One live result recomputed with today's parameters."""

    record: CalculationRecord
    old_amounts: dict[str, Decimal]
    new_amounts: dict[str, Decimal]
    differences: dict[str, Decimal]  # new − old: positive = charge (少补), negative = refund (多退)
    provisional: bool  # the recomputed result still uses a provisional parameter
    changed: bool  # amounts or the parameters behind them differ from the stored result
    trace: Trace | None = None
    error: str = ""  # why it could not be recomputed


def _recompute(record: CalculationRecord) -> TrueUpLine:
    old = {name: Decimal(value) for name, value in record.amounts.items()}
    compute = _COMPUTE.get(record.kind)
    if compute is None:
        return TrueUpLine(
            record, old, {}, {}, record.provisional, False,
            error=f"计算类型“{record.kind}”未登记重算方法",
        )  # fmt: skip
    try:
        with policy_scope():
            amounts, trace = compute(dict(record.inputs))
    except DomainError as error:
        return TrueUpLine(record, old, {}, {}, record.provisional, False, error=error.message)
    new = {name: amount for name, amount in amounts.items()}
    names = list(dict.fromkeys([*old, *new]))
    differences = {n: new.get(n, ZERO) - old.get(n, ZERO) for n in names}
    changed = any(differences.values()) or trace.as_dict() != record.trace
    return TrueUpLine(record, old, new, differences, trace.provisional, changed, trace=trace)


def trueup_preview(*, parameter: PolicyParameter) -> list[TrueUpLine]:
    """Every live result whose trace used ``parameter``, recomputed with today's parameters:
    old and new amounts, the difference of each, and whether it is still provisional."""
    return [_recompute(record) for record in calculations_using(parameter=parameter)]


class _Rollback(Exception):
    pass


def parameter_finalize_preview(
    *, actor: Actor, record: PolicyParameter, value: Any, source: str
) -> list[TrueUpLine]:
    """What finalizing ``record`` with ``value`` would change, without changing anything: the
    finalization runs in a savepoint that is rolled back. Same checks as the real one."""
    lines: list[TrueUpLine] = []
    try:
        with transaction.atomic():
            finalized = services.parameter_finalize(
                actor=actor, record=record, value=value, source=source, reason="预览"
            )
            lines = trueup_preview(parameter=finalized)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        policy_cache_clear()
    return lines


@transaction.atomic
def trueup_settle(*, actor: Actor, parameter: PolicyParameter) -> list[CalculationRecord]:
    """Recompute every live result that used ``parameter`` and whose amounts or parameters
    changed; each new result supersedes the old one and carries ``settlement`` = new − old per
    amount. Returns the new results. Idempotent: once settled, the results are current and a
    second call writes nothing. Refused (409 ``TRUEUP_RECOMPUTE_FAILED``) if any result cannot
    be recomputed — then nothing is written.
    """
    services.require_editor(actor, region=parameter.region_id)
    PolicyParameter.objects.select_for_update().get(pk=parameter.pk)
    policy_cache_clear()
    lines = trueup_preview(parameter=parameter)
    failed = [line for line in lines if line.error]
    if failed:
        raise Conflict(
            f"有 {len(failed)} 条计算结果无法重算，未结算任何结果："
            + "；".join(f"#{line.record.pk} {line.error}" for line in failed),
            code="TRUEUP_RECOMPUTE_FAILED",
        )
    settled: list[CalculationRecord] = []
    for line in lines:
        if not line.changed:
            continue
        old = CalculationRecord.objects.select_for_update().get(pk=line.record.pk)
        if old.superseded_by_id is not None:
            continue
        assert line.trace is not None
        new = CalculationRecord.objects.create(
            kind=old.kind,
            region_id=old.region_id,
            subject_type=old.subject_type,
            subject_id=old.subject_id,
            inputs=old.inputs,
            amounts=_amounts_json(line.new_amounts),
            trace=line.trace.as_dict(),
            provisional=line.provisional,
            settlement=_amounts_json(line.differences),
            created_by=actor.user,
        )
        _link(new, line.trace)
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
        settled.append(new)
    if settled:
        PolicyChange.objects.create(
            actor=actor.user,
            action=PolicyChange.Action.SETTLED,
            record=parameter,
            region_code=parameter.region_id,
            key=parameter.key,
            valid_from=parameter.valid_from,
            new_value=parameter.value,
            new_status=parameter.status,
            new_source=parameter.source,
            reason=f"按当前参数重算 {len(settled)} 条结果，差额记入新结果（正数补收，负数退还）",
        )
    return settled
