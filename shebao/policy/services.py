"""Writes to the policy store: loading the data files, and staff recording and finalizing values.

Every write runs in one transaction with its :class:`PolicyChange` audit row, and clears the
current policy scope's cache so that the change is seen at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction

from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, staff_may
from shebao.common.errors import Conflict, InvalidInput, PermissionDenied, Unauthenticated
from shebao.common.periods import POLICY_LATEST_DATE, date_check
from shebao.common.text import text_check
from shebao.common.trace import FINAL, PROVISIONAL
from shebao.policy.datafiles import DATA_DIR, FileRecord, PolicyDataError, read_directory
from shebao.policy.models import CalculationParameter, PolicyChange, PolicyParameter
from shebao.policy.schema import spec_for
from shebao.policy.selectors import EMERGENCY_KEY, policy_cache_clear
from shebao.policy.values import stored_value
from shebao.registry.models import Region

# The Django group of the same name predates the capability model; a data migration gave its
# members EDIT_POLICY nation-wide. Permission is now only the capability.
EDITORS_GROUP = "政策参数管理"


def may_edit_policy(actor: Actor, *, region: str | None = None) -> bool:
    """Agency staff with the EDIT_POLICY capability — for ``region`` (a row for it or a region
    above it) when given, anywhere when not."""
    return staff_may(actor, Capability.EDIT_POLICY, region=region)


def require_editor(actor: Actor, *, region: str | None = None) -> None:
    if actor.is_anonymous:
        raise Unauthenticated("请先登录", code="UNAUTHENTICATED")
    if not may_edit_policy(actor, region=region):
        raise PermissionDenied(
            "只有具备“政策参数管理”权限的经办人员可以修改政策参数", code="POLICY_EDIT_FORBIDDEN"
        )


def _period(start: date, end: date | None) -> str:
    return f"{start.isoformat()} 至 {end.isoformat() if end else '今'}"


def _overlaps(record: PolicyParameter, start: date, end: date | None) -> bool:
    return (end is None or record.valid_from <= end) and (
        record.valid_to is None or start <= record.valid_to
    )


def _change(
    *,
    actor: Actor | None,
    action: str,
    record: PolicyParameter,
    old: dict[str, Any] | None,
    reason: str,
) -> PolicyChange:
    return PolicyChange.objects.create(
        actor=actor.user if actor is not None else None,
        action=action,
        record=record,
        region_code=record.region_id,
        key=record.key,
        valid_from=record.valid_from,
        old_value=old["value"] if old else None,
        old_status=old["status"] if old else "",
        old_source=old["source"] if old else "",
        new_value=record.value,
        new_status=record.status,
        new_source=record.source,
        reason=reason,
    )


def _snapshot(record: PolicyParameter) -> dict[str, Any]:
    return {
        "value": record.value,
        "status": record.status,
        "source": record.source,
        "valid_to": record.valid_to,
        "note": record.note,
    }


# --- loading the data files --------------------------------------------------------------------


@dataclass
class LoadReport:
    files: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    kept: int = 0  # records staff changed since, kept as they are (keep_staff_changes)
    lines: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.removed

    def summary(self) -> str:
        return (
            f"政策参数：{self.files} 个文件，新增 {self.created}，更新 {self.updated}，"
            f"移除 {self.removed}，未变 {self.unchanged}"
            + (f"，保留经办人员修改 {self.kept}" if self.kept else "")
        )


def _same(record: PolicyParameter, item: FileRecord) -> bool:
    return (
        record.value == item.value
        and record.valid_to == item.valid_to
        and record.status == item.status
        and record.source == item.source
        and record.note == item.note
    )


@transaction.atomic
def policy_load(
    *, directory: Path = DATA_DIR, force: bool = False, keep_staff_changes: bool = False
) -> LoadReport:
    """Load ``<region code>.toml`` files into the store; returns what changed.

    Checks every file first (keys, values, dates, overlaps, regions) and raises
    ``PolicyDataError`` (422 ``POLICY_DATA_INVALID``) listing every problem; nothing is written
    then. Records are matched by (region, key, valid_from): new ones are created, changed file
    records updated, identical ones left alone, so a rerun changes nothing.

    Records that staff recorded or changed are never overwritten silently: if the file
    disagrees with one, or a staff record overlaps a file record, or a file record has been
    taken out of its file, the load is refused (409 ``POLICY_DATA_CONFLICT``) unless ``force``,
    which makes the files win (an overlapping or stale record that results depend on is still
    refused). ``keep_staff_changes`` makes staff win instead: a file record that staff changed
    since (a provisional value they made final) is kept as staff left it and counted as
    ``kept`` — how the demo hall starts again on its own database. Regions without a file are
    not touched.
    """
    known = set(Region.objects.values_list("code", flat=True))
    items = read_directory(directory, known)
    emergency_errors = emergency_file_overlaps(items)
    if emergency_errors:
        raise PolicyDataError(emergency_errors)
    regions = sorted({i.region for i in items} | {p.stem for p in directory.glob("*.toml")})
    existing = {
        (r.region_id, r.key, r.valid_from): r
        for r in PolicyParameter.objects.select_for_update().filter(region_id__in=regions)
    }
    report = LoadReport(files=len(list(directory.glob("*.toml"))))
    conflicts: list[str] = []
    creates: list[FileRecord] = []
    updates: list[tuple[PolicyParameter, FileRecord]] = []
    removals: list[PolicyParameter] = []

    matched: set[tuple[str, str, date]] = set()
    for item in items:
        ident = (item.region, item.key, item.valid_from)
        record = existing.get(ident)
        if record is None:
            creates.append(item)
            continue
        matched.add(ident)
        if _same(record, item):
            report.unchanged += 1
        elif record.origin == PolicyParameter.Origin.STAFF and keep_staff_changes:
            report.kept += 1
        elif record.origin == PolicyParameter.Origin.STAFF and not force:
            conflicts.append(
                f"{item.where}：该记录已由经办人员修改（{record.get_status_display()}，"
                f"来源：{record.source}），与数据文件不一致"
            )
        else:
            updates.append((record, item))

    by_key: dict[tuple[str, str], list[FileRecord]] = {}
    for item in items:
        by_key.setdefault((item.region, item.key), []).append(item)
    for ident, record in existing.items():
        if ident in matched:
            continue
        file_items = by_key.get((record.region_id, record.key), [])
        clash = next(
            (i for i in file_items if i.overlaps(record.valid_from, record.valid_to)), None
        )
        label = f"{record.region_id}.toml [{record.key} 自 {record.valid_from.isoformat()}]"
        if record.origin == PolicyParameter.Origin.FILE:
            what = f"{label}：数据库中来自数据文件的记录在文件中已不存在"
        elif clash is not None:
            what = f"{clash.where}：有效期与经办人员录入的记录（{_period(record.valid_from, record.valid_to)}）重叠"
        else:
            continue  # a staff record beside the file's periods is kept as it is
        if not force:
            conflicts.append(what)
        elif CalculationParameter.objects.filter(parameter=record).exists():
            conflicts.append(f"{what}；已有计算结果使用该记录，不能移除，请在数据文件中保留")
        else:
            removals.append(record)

    if conflicts:
        raise PolicyDataError(
            conflicts,
            code="POLICY_DATA_CONFLICT",
            status=409,
            title=(
                f"政策参数数据文件与经办人员维护的记录有 {len(conflicts)} 处冲突，未导入任何记录"
                "（核对后修改数据文件，或使用 --force 以数据文件为准）"
            ),
        )

    for record in removals:
        PolicyChange.objects.create(
            action=PolicyChange.Action.REMOVED,
            region_code=record.region_id,
            key=record.key,
            valid_from=record.valid_from,
            old_value=record.value,
            old_status=record.status,
            old_source=record.source,
            reason=(
                "数据文件中已无此记录（--force）"
                if record.origin == PolicyParameter.Origin.FILE
                else "与数据文件记录重叠的经办人员录入记录（--force 以数据文件为准）"
            ),
        )
        record.delete()
        report.removed += 1
    for record, item in updates:
        old = _snapshot(record)
        forced = record.origin == PolicyParameter.Origin.STAFF
        record.value = item.value
        record.valid_to = item.valid_to
        record.status = item.status
        record.source = item.source
        record.note = item.note
        record.origin = PolicyParameter.Origin.FILE
        record.origin_file = item.file
        record.save()
        reason = f"数据文件 {item.file} 第{item.line}行" + (
            "（--force 覆盖经办人员修改）" if forced else ""
        )
        _change(
            actor=None, action=PolicyChange.Action.LOADED, record=record, old=old, reason=reason
        )
        report.updated += 1
    for item in creates:
        record = PolicyParameter.objects.create(
            region_id=item.region,
            key=item.key,
            valid_from=item.valid_from,
            valid_to=item.valid_to,
            value=item.value,
            status=item.status,
            source=item.source,
            note=item.note,
            origin=PolicyParameter.Origin.FILE,
            origin_file=item.file,
        )
        _change(
            actor=None,
            action=PolicyChange.Action.LOADED,
            record=record,
            old=None,
            reason=f"数据文件 {item.file} 第{item.line}行",
        )
        report.created += 1
    if report.changed:
        policy_cache_clear()
    return report


# --- staff edits -------------------------------------------------------------------------------


def _clean_text(value: str, *, field_name: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"请填写{label}", code="POLICY_FIELD_REQUIRED", field=field_name)
    return text


@transaction.atomic
def _emergency_overlap_check(region: Region, valid_from: date, valid_to: date | None) -> None:
    """Refuse emergency measures overlapping others of the region, above or below it."""
    from shebao.policy.emergency import lineage_overlaps

    clash = lineage_overlaps(region=region.code, valid_from=valid_from, valid_to=valid_to)
    if clash:
        other = clash[0]
        raise Conflict(
            f"应急措施的期间（{_period(valid_from, valid_to)}）与{other.region.name}的应急措施"
            f"“{other.value.get('name', '')}”（{_period(other.valid_from, other.valid_to)}）重叠："
            "同一地区（含上下级地区）同一时间只能有一项应急措施生效，请调整起止日期或修改原措施",
            code="EMERGENCY_MEASURE_OVERLAP",
            field="valid_from",
        )


def emergency_file_overlaps(items: list[FileRecord]) -> list[str]:
    """Emergency records of data files overlapping one of a region above or below them (one
    region's own overlaps are refused with every key's)."""
    parents = dict(Region.objects.values_list("code", "parent_id"))

    def ancestors(code: str) -> set[str]:
        found = set()
        while parents.get(code):
            code = parents[code]
            found.add(code)
        return found

    records = [i for i in items if i.key == EMERGENCY_KEY]
    errors = []
    for record in records:
        above = ancestors(record.region)
        for other in records:
            if other.region in above and other.overlaps(record.valid_from, record.valid_to):
                errors.append(
                    f"{record.where}：应急措施的期间与 {other.file} 第{other.line}行的应急措施"
                    f"（{other.valid_from} 至 {other.valid_to or '今'}）重叠（EMERGENCY_MEASURE_OVERLAP）"
                )
    return errors


def parameter_record(
    *,
    actor: Actor,
    region: str,
    key: str,
    valid_from: date,
    valid_to: date | None,
    value: Any,
    status: str,
    source: str,
    note: str = "",
    reason: str,
) -> PolicyParameter:
    """Record a new dated value of ``key`` for ``region`` (staff with the permission only).

    The period must not overlap another record of the same region and key (409
    ``POLICY_PERIOD_OVERLAP``) — except that an open-ended record that started earlier is
    closed the day before a new open-ended record starts (the usual "new value from this
    date"). Submitting the same record twice returns the first one.
    """
    require_editor(actor, region=region)
    spec = spec_for(key)
    text_check({"value": value, "source": source, "note": note, "reason": reason})
    date_check(valid_from, latest=POLICY_LATEST_DATE, field="valid_from")
    if valid_to is not None:
        date_check(valid_to, latest=POLICY_LATEST_DATE, field="valid_to")
    stored = stored_value(key, value)
    if status not in (FINAL, PROVISIONAL):
        raise InvalidInput("状态应为“正式”或“临时”", code="POLICY_STATUS_INVALID", field="status")
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(
            "截止日期不能早于生效日期", code="POLICY_PERIOD_INVALID", field="valid_to"
        )
    source = _clean_text(source, field_name="source", label="来源（文号、网址或 demo）")
    reason = _clean_text(reason, field_name="reason", label="录入原因")
    note = (note or "").strip()
    if source == "demo" and not note:
        raise InvalidInput(
            "来源为 demo 的记录须在说明中写明取值理由", code="POLICY_NOTE_REQUIRED", field="note"
        )
    # The region row serialises edits of one region: two overlapping periods cannot both pass.
    region_row = Region.objects.select_for_update().filter(code=region).first()
    if region_row is None:
        from shebao.common.errors import NotFound

        raise NotFound(f"未找到行政区划“{region}”", code="REGION_NOT_FOUND", field="region")
    others = list(PolicyParameter.objects.filter(region=region_row, key=key).order_by("valid_from"))
    for other in others:
        if (
            other.valid_from == valid_from
            and other.valid_to == valid_to
            and other.value == stored
            and other.status == status
            and other.source == source
        ):
            return other  # the same submission again
    if key == EMERGENCY_KEY:
        _emergency_overlap_check(region_row, valid_from, valid_to)
    to_close: PolicyParameter | None = None
    for other in others:
        if not _overlaps(other, valid_from, valid_to):
            continue
        if (
            other.valid_to is None
            and valid_to is None
            and other.valid_from < valid_from
            and to_close is None
        ):
            to_close = other
            continue
        raise Conflict(
            f"“{spec.label}”在{region_row.name}已有 {_period(other.valid_from, other.valid_to)} "
            f"的记录，与新记录的有效期（{_period(valid_from, valid_to)}）重叠",
            code="POLICY_PERIOD_OVERLAP",
            field="valid_from",
        )
    if to_close is not None:
        old = _snapshot(to_close)
        to_close.valid_to = valid_from - timedelta(days=1)
        to_close.updated_by = actor.user
        to_close.save(update_fields=["valid_to", "updated_by", "updated_at"])
        _change(
            actor=actor,
            action=PolicyChange.Action.UPDATED,
            record=to_close,
            old=old,
            reason=f"新记录自 {valid_from.isoformat()} 起生效，原记录截止于前一日：{reason}",
        )
    record = PolicyParameter.objects.create(
        region=region_row,
        key=key,
        valid_from=valid_from,
        valid_to=valid_to,
        value=stored,
        status=status,
        source=source,
        note=note,
        origin=PolicyParameter.Origin.STAFF,
        updated_by=actor.user,
    )
    _change(actor=actor, action=PolicyChange.Action.CREATED, record=record, old=None, reason=reason)
    policy_cache_clear()
    return record


@transaction.atomic
def parameter_finalize(
    *, actor: Actor, record: PolicyParameter, value: Any, source: str, reason: str
) -> PolicyParameter:
    """Replace a provisional value by the final one (value and source), in place.

    Results computed on the provisional value keep pointing at this record, so
    :func:`shebao.policy.calculations.trueup_preview` finds them. Refused with 409
    ``POLICY_ALREADY_FINAL`` if the record is already final.
    """
    require_editor(actor, region=record.region_id)
    text_check({"value": value, "source": source, "reason": reason})
    locked = PolicyParameter.objects.select_for_update().get(pk=record.pk)
    stored = stored_value(locked.key, value)
    source = _clean_text(source, field_name="source", label="正式值的来源（文号或网址）")
    reason = _clean_text(reason, field_name="reason", label="转为正式的原因")
    if locked.status != PolicyParameter.Status.PROVISIONAL:
        raise Conflict(
            "该记录已是正式值，不能再次转为正式；如需更正请新增记录",
            code="POLICY_ALREADY_FINAL",
        )
    old = _snapshot(locked)
    locked.value = stored
    locked.status = PolicyParameter.Status.FINAL
    locked.source = source
    locked.origin = PolicyParameter.Origin.STAFF
    locked.updated_by = actor.user
    locked.save()
    _change(
        actor=actor, action=PolicyChange.Action.FINALIZED, record=locked, old=old, reason=reason
    )
    policy_cache_clear()
    return locked
