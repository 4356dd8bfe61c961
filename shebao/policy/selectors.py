"""Reads of the policy store: which value of a parameter applies in a region on a date.

A region inherits every key it does not define itself from its ancestors (district → city →
province → nation, ``Region.lineage()``); on a given date the nearest region with a record
covering that date wins. Values come back parsed by the schema, wrapped in a
:class:`~shebao.common.trace.Param` that names where they came from, so a rule can record them
in its trace.

Lookups are cached inside a *policy scope*: every web request is one (see ``apps.py``), and
batch work or a long computation can open one with :func:`policy_scope`. Inside a scope a
region's whole lineage is read in one query and each record parsed once; outside a scope each
call reads just the key it needs. Writes in this package clear the cache of the current scope.

What is computed from policy alone (the home page's business calendar) can be kept across
requests with :func:`policy_memo`: it is valid while :func:`policy_version`, a stamp of the
whole store read once per scope, is unchanged — so a staff edit in one process is seen by the
next request of every process, as with the per-request cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Count, QuerySet

from shebao.common.errors import NotFound
from shebao.common.trace import Param, ParamRef
from shebao.policy.models import CalculationRecord, PolicyChange, PolicyParameter
from shebao.policy.schema import SPECS, ParameterSpec, spec_for
from shebao.registry.models import Region
from shebao.registry.selectors import region_get

EMERGENCY_KEY = "emergency.measures"


# --- the cache ---------------------------------------------------------------------------------


@dataclass
class _Store:
    """Regions and records read so far. ``whole`` stores read every key of a lineage at once."""

    whole: bool
    regions: dict[str, Region] = field(default_factory=dict)
    # region code -> key -> that region's own records, by valid_from
    own: dict[str, dict[str, list[PolicyParameter]]] = field(default_factory=dict)
    parsed: dict[tuple[int, Any], Any] = field(default_factory=dict)
    version: tuple[Any, ...] | None = None  # policy_version(), read once per scope
    dirty: bool = False  # policy was written in this scope

    def clear(self) -> None:
        self.regions.clear()
        self.own.clear()
        self.parsed.clear()
        self.version = None

    def region(self, code: str) -> Region:
        region = self.regions.get(code)
        if region is None:
            region = region_get(code=code)  # raises NotFound REGION_NOT_FOUND
            for node in region.lineage():
                self.regions.setdefault(node.code, node)
            self.regions[code] = region
        return region

    def records(self, lineage: list[Region], key: str | None) -> dict[str, dict[str, list]]:
        """Own records by region code (only ``key`` unless the store reads whole lineages)."""
        codes = [r.code for r in lineage]
        if self.whole:
            missing = [c for c in codes if c not in self.own]
            if missing:
                for code in missing:
                    self.own[code] = {}
                for record in PolicyParameter.objects.filter(region_id__in=missing).order_by(
                    "valid_from"
                ):
                    self.own[record.region_id].setdefault(record.key, []).append(record)
            return {c: self.own[c] for c in codes}
        result: dict[str, dict[str, list]] = {c: {} for c in codes}
        query = PolicyParameter.objects.filter(region_id__in=codes)
        if key is not None:
            query = query.filter(key=key)
        for record in query.order_by("valid_from"):
            result[record.region_id].setdefault(record.key, []).append(record)
        return result

    def parse(self, spec: ParameterSpec, record: PolicyParameter) -> Any:
        token = (record.pk, record.updated_at)
        if token not in self.parsed:
            self.parsed[token] = spec.parse(record.value)
        return self.parsed[token]


_scope: ContextVar[_Store | None] = ContextVar("shebao_policy_scope", default=None)


def _store() -> _Store:
    return _scope.get() or _Store(whole=False)


@contextmanager
def policy_scope() -> Iterator[None]:
    """Cache parameter lookups until the block ends (nested scopes share the outer cache)."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set(_Store(whole=True))
    try:
        yield
    finally:
        _scope.reset(token)


def policy_scope_begin() -> None:
    """Start a fresh scope for a request (called on ``request_started``)."""
    _scope.set(_Store(whole=True))


def policy_scope_end() -> None:
    _scope.set(None)


def policy_cache_clear() -> None:
    """Forget what the current scope has read (after a write, or a rolled-back preview)."""
    store = _scope.get()
    if store is not None:
        store.clear()
        store.dirty = True


# --- across requests: a version stamp and a memo --------------------------------------------

T = TypeVar("T")


def policy_version() -> tuple[Any, ...]:
    """A stamp that changes whenever the policy store or the region tree does: the number of
    parameter records, the highest record id and the latest ``updated_at`` (every write here
    and every data-file load saves through the model, which sets it), and the number of regions
    and of pooling regions. One query, once per policy scope (a write in the scope clears it).
    Regions are renamed only by ``reference_load`` at deployment, before the web starts."""
    store = _scope.get()
    if store is not None and store.version is not None:
        return store.version
    params = PolicyParameter._meta.db_table
    regions = Region._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {params}), (SELECT MAX(id) FROM {params}), "
            f"(SELECT MAX(updated_at) FROM {params}), (SELECT COUNT(*) FROM {regions}), "
            f"(SELECT COUNT(*) FROM {regions} WHERE is_pooling = %s)",
            [True],
        )
        version = (connection.alias, *cursor.fetchone())
    if store is not None:
        store.version = version
    return version


_MEMO_LIMIT = 4096  # entries kept per process; the memo starts again when it is full
_memo: dict[tuple[Any, ...], Any] = {}
_memo_lock = threading.Lock()


def policy_memo(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept in this process while the policy store is unchanged.

    For values computed from policy parameters, regions and the fixed holiday table alone
    (``key`` names everything else they depend on, e.g. the day). Values are shared between
    requests and threads: they must be immutable. Not kept when computed inside a transaction
    that wrote policy (it may yet roll back)."""
    version = policy_version()
    entry = (version, key)
    try:
        return _memo[entry]
    except KeyError:
        pass
    value = compute()
    if connection.in_atomic_block and _wrote_policy_in_scope():
        return value
    with _memo_lock:
        if len(_memo) >= _MEMO_LIMIT or any(k[0] != version for k in list(_memo)[:1]):
            _memo.clear()  # a new version (or a full memo): drop what the old one computed
        _memo[entry] = value
    return value


def policy_memo_clear() -> None:
    """Forget what :func:`policy_memo` kept (each test starts from an empty memo)."""
    with _memo_lock:
        _memo.clear()


def _wrote_policy_in_scope() -> bool:
    store = _scope.get()
    return store is not None and store.dirty


# --- effective values --------------------------------------------------------------------------


def _ref(record: PolicyParameter) -> ParamRef:
    return ParamRef(
        key=record.key,
        region=record.region_id,
        valid_from=record.valid_from,
        valid_to=record.valid_to,
        status=record.status,
        source=record.source,
        record_id=record.pk,
    )


def _covering(records: list[PolicyParameter], on: date) -> PolicyParameter | None:
    for record in records:
        if record.valid_from <= on and (record.valid_to is None or on <= record.valid_to):
            return record
    return None


def _effective(
    lineage: list[Region], own: dict[str, dict[str, list]], key: str, on: date
) -> PolicyParameter | None:
    for region in lineage:
        record = _covering(own[region.code].get(key, []), on)
        if record is not None:
            return record
    return None


def _missing(spec: ParameterSpec, region: Region, on: date) -> NotFound:
    return NotFound(
        f"{region.name}在{on.year}年{on.month}月{on.day}日没有有效的政策参数"
        f"“{spec.label}”（{spec.key}），请联系经办机构补录",
        code="POLICY_PARAM_MISSING",
        details={"key": spec.key, "region": region.code, "on": on.isoformat()},
    )


def param_or_none(*, region: str, key: str, on: date) -> Param[Any] | None:
    """The value of ``key`` in force in ``region`` on ``on`` (inherited if need be), or None.

    Raises ``NotFound`` ``REGION_NOT_FOUND`` for an unknown region and ``POLICY_KEY_UNKNOWN``
    (422) for a key that is not in the schema.
    """
    spec = spec_for(key)
    store = _store()
    lineage = store.region(region).lineage()
    record = _effective(lineage, store.records(lineage, key), key, on)
    if record is None:
        return None
    return Param(store.parse(spec, record), _ref(record))


def param(*, region: str, key: str, on: date) -> Param[Any]:
    """Like :func:`param_or_none`, but a missing value raises ``NotFound``
    ``POLICY_PARAM_MISSING`` naming the parameter, the region and the date in Chinese."""
    found = param_or_none(region=region, key=key, on=on)
    if found is None:
        store = _store()
        raise _missing(spec_for(key), store.region(region), on)
    return found


def param_series(*, region: str, key: str, start: date, end: date) -> list[Param[Any]]:
    """The records in force at some date of [start, end], in date order, each once.

    Inheritance is applied date by date: where the region's own record ends and an ancestor's
    applies, the ancestor's record follows. Days with no record at all are simply not covered;
    callers that need every day covered check the returned validity periods.
    """
    spec = spec_for(key)
    if end < start:
        return []
    store = _store()
    lineage = store.region(region).lineage()
    own = store.records(lineage, key)
    candidates = [r for node in lineage for r in own[node.code].get(key, [])]
    points = {start}
    for record in candidates:
        if start < record.valid_from <= end:
            points.add(record.valid_from)
        if record.valid_to is not None and start <= record.valid_to < end:
            points.add(record.valid_to + timedelta(days=1))
    result: list[Param[Any]] = []
    last: int | None = None
    for point in sorted(points):
        record = _effective(lineage, own, key, point)
        if record is not None and record.pk != last:
            result.append(Param(store.parse(spec, record), _ref(record)))
            last = record.pk
    return result


def emergency_in_force(*, region: str, on: date) -> Param[Any] | None:
    """The emergency measures in force in ``region`` on ``on`` (schema ``check_emergency``)."""
    return param_or_none(region=region, key=EMERGENCY_KEY, on=on)


@dataclass(frozen=True)
class EffectiveParameter:
    """One key as a page or the API shows it: its value in force and where it is defined."""

    spec: ParameterSpec
    param: Param[Any]
    record: PolicyParameter
    defined_in: Region
    inherited: bool

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def value(self) -> Any:
        return self.param.value

    @property
    def dumped(self) -> Any:
        """The JSON form (decimals as strings)."""
        return self.record.value


@dataclass(frozen=True)
class RegionPolicy:
    region: Region
    parameters: list[EffectiveParameter]


def parameters_in_force(*, region: str, on: date) -> list[EffectiveParameter]:
    """Every key with a value in force in ``region`` on ``on``, in catalogue order.

    Two queries whatever the number of keys (the region's lineage, then its records).
    """
    return region_policy(region=region, on=on).parameters


def region_policy(*, region: str, on: date) -> RegionPolicy:
    """The region itself and :func:`parameters_in_force`, for pages and the API."""
    store = _store() if _scope.get() is not None else _Store(whole=True)
    target = store.region(region)
    lineage = target.lineage()
    own = store.records(lineage, None)
    by_code = {node.code: node for node in lineage}
    result = []
    for key, spec in SPECS.items():
        record = _effective(lineage, own, key, on)
        if record is None:
            continue
        result.append(
            EffectiveParameter(
                spec=spec,
                param=Param(store.parse(spec, record), _ref(record)),
                record=record,
                defined_in=by_code[record.region_id],
                inherited=record.region_id != target.code,
            )
        )
    return RegionPolicy(region=target, parameters=result)


# --- records, history and audit (for pages, the API and staff) ---------------------------------


def regions_with_parameters() -> QuerySet[Region]:
    """Regions that define parameters of their own, plus every pooling region (which inherits
    at least the national values), for pickers."""
    from django.db.models import Q

    return (
        Region.objects.annotate(own=Count("policy_parameters"))
        .filter(Q(own__gt=0) | Q(is_pooling=True))
        .order_by("code")
    )


def region_or_none(*, code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def parameter_record_get(*, pk: int) -> PolicyParameter:
    record = PolicyParameter.objects.select_related("region", "updated_by").filter(pk=pk).first()
    if record is None:
        raise NotFound("未找到该政策参数记录", code="POLICY_RECORD_NOT_FOUND")
    return record


def parameter_history(*, region: str, key: str) -> list[PolicyParameter]:
    """Every record of ``key`` in ``region`` and its ancestors, newest period first."""
    spec_for(key)
    codes = [r.code for r in region_get(code=region).lineage()]
    return list(
        PolicyParameter.objects.select_related("region", "updated_by")
        .filter(region_id__in=codes, key=key)
        .order_by("-valid_from", "region_id")
    )


def parameter_changes(*, record: PolicyParameter) -> QuerySet[PolicyChange]:
    return PolicyChange.objects.select_related("actor").filter(record=record)


def calculations_using(*, parameter: PolicyParameter, live_only: bool = True):
    """Results whose trace used this parameter row (live = not superseded)."""
    query = CalculationRecord.objects.filter(parameters=parameter).select_related("region")
    if live_only:
        query = query.filter(superseded_by__isnull=True)
    return query.order_by("id")
