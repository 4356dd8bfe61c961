"""The parameter snapshot of a region's month: resolve (policy → snapshot, once), then read it
back as the rules' parameters (snapshot → ``Params``) to compile the batch's SQL or to rebuild
one line's explanation.

The parameters are resolved exactly as the public contribution calculator resolves them
(:func:`shebao.calculators.services.params_for` for the region and the first day of the month,
the keys the rules list), so the batch and the calculator read the same values.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from shebao.calculators.services import params_for
from shebao.common.errors import NotFound
from shebao.common.money import to_fen
from shebao.common.periods import YearMonth
from shebao.common.trace import Param, ParamRef
from shebao.contributions.models import ParameterSnapshot, SnapshotParameter
from shebao.policy import selectors as policy
from shebao.policy.schema import spec_for
from shebao.registry.models import Region
from shebao.rules import contribution, flexible
from shebao.rules.contribution import MonthRules, line_rules
from shebao.rules.flexible import FlexibleRules, flexible_rules
from shebao.rules.params import Params

DEADLINE_KEY = "calendar.payment_deadline_day"
OPTIONAL_KEYS = (
    *contribution.OPTIONAL_KEYS,
    *flexible.KEYS,
    *flexible.OPTIONAL_KEYS,
    DEADLINE_KEY,
)


def _ref(data: dict[str, Any]) -> ParamRef:
    return ParamRef(
        key=data["key"],
        region=data["region"],
        valid_from=date.fromisoformat(data["valid_from"]),
        valid_to=date.fromisoformat(data["valid_to"]) if data["valid_to"] else None,
        status=data["status"],
        source=data["source"],
        record_id=data["record_id"],
    )


def _stored(params: Params) -> dict[str, Any]:
    return {
        key: {"value": spec_for(key).dump(p.value), "ref": p.ref.as_dict()}
        for key, p in sorted(params.items())
    }


def _digest(stored: dict[str, Any]) -> str:
    text = json.dumps(stored, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _resolve(region: str, month: YearMonth) -> Params:
    return params_for(
        region=region, on=month.first_day, keys=contribution.KEYS, optional=OPTIONAL_KEYS
    )


def _checked(region: str, on: date, compute: Any) -> Any:
    """Run a resolver; a parameter it needed and did not get is reported with the region and
    the date, as the policy store reports it."""
    try:
        return compute()
    except NotFound as error:
        key = error.details.get("key")
        if error.code == "POLICY_PARAM_MISSING" and key and "region" not in error.details:
            policy.param(region=region, key=key, on=on)
        raise


def snapshot_params(snapshot: ParameterSnapshot) -> dict[str, Param[Any]]:
    """The snapshot's parameters as the rules take them (values parsed by the schema, each with
    the reference it had when the month was resolved)."""
    return {
        key: Param(spec_for(key).parse(item["value"]), _ref(item["ref"]))
        for key, item in snapshot.params.items()
    }


def has_flexible(params: Params) -> bool:
    return all(key in params for key in flexible.KEYS)


def snapshot_rules(snapshot: ParameterSnapshot) -> tuple[MonthRules, FlexibleRules | None]:
    """The month's formulas, resolved from the snapshot (for the batch's SQL)."""
    params = snapshot_params(snapshot)
    return line_rules(params), flexible_rules(params) if has_flexible(params) else None


def snapshot_resolve(*, region: Region, month: YearMonth) -> ParameterSnapshot:
    """The snapshot of ``region``'s ``month``: the existing one if the parameters resolve to the
    same values and records, else a new version. Refuses (``POLICY_PARAM_MISSING``, naming the
    parameter) a month whose parameters are incomplete."""
    on = month.first_day
    with policy.policy_scope():
        params = _checked(region.code, on, lambda: _resolve(region.code, month))
        rules = _checked(region.code, on, lambda: line_rules(params))
        flex = flexible_rules(params) if has_flexible(params) else None
    stored = _stored(params)
    digest = _digest(stored)
    found = ParameterSnapshot.objects.filter(region=region, month=month, digest=digest).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            latest = ParameterSnapshot.objects.filter(region=region, month=month).aggregate(
                v=Max("version")
            )["v"]
            snapshot = ParameterSnapshot.objects.create(
                region=region,
                month=month,
                version=(latest or 0) + 1,
                digest=digest,
                params=stored,
                floor_fen=to_fen(rules.floor),
                ceiling_fen=to_fen(rules.ceiling),
                employee_provisional=rules.trace.provisional,
                flexible_provisional=flex.trace.provisional if flex is not None else False,
            )
            SnapshotParameter.objects.bulk_create(
                SnapshotParameter(snapshot=snapshot, key=key, record_id=p.ref.record_id)
                for key, p in params.items()
            )
    except IntegrityError:
        # Resolved at the same moment by another run: theirs is the same snapshot.
        return ParameterSnapshot.objects.get(region=region, month=month, digest=digest)
    return snapshot


def payment_deadline_day(snapshot: ParameterSnapshot) -> int | None:
    """The day of the month the month's contributions are due by, where policy sets one."""
    item = snapshot.params.get(DEADLINE_KEY)
    return None if item is None else int(item["value"])


# --- explanations, rebuilt -----------------------------------------------------------------------


def explain_employee(
    snapshot: ParameterSnapshot,
    *,
    insurance: str,
    wage: Decimal,
    injury_class: int | None,
) -> contribution.ContributionResult:
    """One employee line's explanation, rebuilt by the calculator's rule from the snapshot and
    the line's inputs (the declared wage, the unit's class): the base clamp, then the line of
    ``insurance`` alone. Nothing of it is stored."""
    params = snapshot_params(snapshot)
    levied = params["contribution.insurances"]
    params["contribution.insurances"] = Param([insurance], levied.ref)
    result = contribution.contribution(
        params, wage=wage, injury_class=injury_class if insurance == "work_injury" else None
    )
    result.trace.inputs.update({"region": snapshot.region_id, "month": str(snapshot.month)})
    return result


def explain_flexible(snapshot: ParameterSnapshot, *, grade: int) -> flexible.FlexibleResult:
    """A flexible worker's pension line, rebuilt by the calculator's rule."""
    result = flexible.flexible(snapshot_params(snapshot), grade=grade)
    result.trace.inputs.update({"region": snapshot.region_id, "month": str(snapshot.month)})
    return result
