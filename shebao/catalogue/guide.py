"""The guide (办事指南) of a matter as people read it: plain explanations derived from the data.

Pages and the API show the same explanations; templates only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from shebao.catalogue.models import Matter
from shebao.catalogue.schema import EFFECTS
from shebao.catalogue.sources import SEEDS, Seed

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.registry.models import Region

APPLICANT_TEXT = {
    Matter.ApplicantKind.INDIVIDUAL: "个人（参保人员本人）",
    Matter.ApplicantKind.UNIT: "单位（法定代表人、管理员或获得授权的经办人）",
    Matter.ApplicantKind.BOTH: "单位或个人均可申请",
}


@dataclass(frozen=True)
class Guide:
    matter: Matter
    applicant_text: str
    time_limit_text: str
    acceptance_text: str
    reviewer_note: str
    core_materials: list[dict[str, Any]]
    deferrable_materials: list[dict[str, Any]]
    legal_basis: list[str]
    sources: list[Seed]
    # What the viewer's region adds: never another region's path, deadline or tip.
    region_name: str = ""
    deadline_notes: list[str] = field(default_factory=list)
    online_path: str = ""
    notes: list[str] = field(default_factory=list)
    emergency_notes: list[str] = field(default_factory=list)
    # the emergency measures in force in the region (shebao.policy.emergency.Measure), each
    # with what its late handling means for this matter
    emergency_measures: list[Any] = field(default_factory=list)
    emergency_notices: list[tuple[Any, str]] = field(default_factory=list)
    window_text: str = ""
    period_text: str = ""
    applicant_deadline: str = ""  # the time limit to apply within, for this viewer


def time_limit_text(matter: Matter, *, short: bool = False) -> str:
    if matter.instant:
        return "即办" if short else "即办（提交后即时办结）"
    return f"{matter.time_limit_days} 个工作日"


def reviewer_note(matter: Matter) -> str:
    """For a matter whose effect no handler applies yet: that a reviewer handles it ("" else)."""
    if not matter.reviewed_by_staff_only:
        return ""
    effect = EFFECTS.get(matter.effect, "办理")
    return (
        f"本事项由经办人员审核办理：网上提交后，经办机构工作人员受理、审核并完成{effect}，"
        "不会在提交后即时办结；办理结果通过网上办事大厅和短信告知。"
    )


def acceptance_text(matter: Matter) -> str:
    """What the acceptance mode means for the applicant of this matter (and, for a matter that
    staff handle by hand, that they do)."""
    note = reviewer_note(matter)
    text = _mode_text(matter)
    return f"{text}{note}" if note else text


def _mode_text(matter: Matter) -> str:
    if matter.acceptance_mode == Matter.AcceptanceMode.COMMITMENT:
        return (
            "本事项实行告知承诺制：申请人阅读并签署告知承诺书即可办理，免交证明材料。"
            "经办机构事后按承诺内容核查，承诺不实的依法撤销办理结果并追究责任。"
        )
    if matter.acceptance_mode == Matter.AcceptanceMode.TOLERANCE:
        deferrable = "、".join(m["name"] for m in _deferrable(matter)) or "无"
        core = "、".join(m["name"] for m in matter.materials if m.get("core")) or "无"
        return (
            "本事项可容缺受理：核心材料齐全、其他材料暂缺的，经办机构先行受理并记录暂缺材料，"
            f"申请人应在受理之日起 {matter.tolerance_days} 个工作日内补齐，逾期未补齐的申请终止办理。"
            f"可后补的材料：{deferrable}。不可容缺的核心材料：{core}。"
        )
    if matter.instant:
        return "直接办理：符合条件的，提交后系统即时办结。"
    return "直接办理：材料齐全、符合条件的，经办机构受理后在承诺时限内办结。"


def _deferrable(matter: Matter) -> list[dict[str, Any]]:
    if matter.acceptance_mode != Matter.AcceptanceMode.TOLERANCE:
        return []
    return [m for m in matter.materials if m.get("required") and not m.get("core")]


def regional_texts(matter: Matter, region: Region | None) -> dict[str, list[str]]:
    """The matter's own texts plus those of ``region`` and its ancestors (nearest last)."""
    texts: dict[str, list[str]] = {
        "online_path": [matter.online_path] if matter.online_path else [],
        "deadline_note": [matter.deadline_note] if matter.deadline_note else [],
        "note": [matter.note] if matter.note else [],
        "legal_basis": [line for line in matter.legal_basis.splitlines() if line.strip()],
    }
    if region is None:
        return texts
    for node in reversed(region.lineage()):
        for key, text in (matter.regional or {}).get(node.code, {}).items():
            texts[key].append(text)
    return texts


def emergency_texts(matter: Matter, region: Region | None, on: date) -> list[str]:
    """Tips whose emergency measure is in force in ``region`` on ``on`` (policy data)."""
    if region is None or not matter.emergency_notes:
        return []
    from shebao.policy.selectors import emergency_in_force

    measures = emergency_in_force(region=region.code, on=on)
    if measures is None:
        return []
    return [
        note["text"]
        for note in matter.emergency_notes
        if note["measure"] == "in_force" or measures.value.get(note["measure"])
    ]


def emergency_measures(region: Region | None, on: date) -> list[Any]:
    """The emergency measures in force in ``region`` on ``on``: every matter's deadlines that
    fell in the emergency are extended by their late handling (policy data)."""
    if region is None:
        return []
    from shebao.policy.emergency import measures_in_force

    return measures_in_force(region=region.code, on=on)


def emergency_notices(
    matter: Matter, region: Region | None, on: date, measures: list[Any]
) -> list[tuple[Any, str]]:
    """Each measure in force with what its late handling means for ``matter``: a window-bound
    matter's window stays as it is (its closed days are not extended), which the text says."""
    if region is None or not measures:
        return []
    from shebao.policy.calendar import acceptance_window_span
    from shebao.policy.emergency import late_handling_notice

    window = acceptance_window_span(region=region.code, on=on) if matter.window_bound else ""
    return [(m, late_handling_notice(m, window=window)) for m in measures]


def window_text(matter: Matter, region: Region | None, on: date) -> str:
    """When a window-bound matter is accepted in ``region`` (its policy), or "" if always."""
    if not matter.window_bound or region is None:
        return ""
    from shebao.policy.selectors import policy_memo

    return policy_memo(("window_text", region.code, on), lambda: _window_reason(region.code, on))


def _window_reason(region: str, on: date) -> str:
    from shebao.policy.calendar import acceptance_window_status
    from shebao.policy.selectors import param_or_none

    if param_or_none(region=region, key="calendar.acceptance_window", on=on) is None:
        return ""
    return acceptance_window_status(region=region, on=on).reason


def period_text(matter: Matter, region: Region | None, on: date) -> str:
    """The months the matter may take effect in, as its handler reads the region's calendar."""
    if region is None or not matter.handler:
        return ""
    from shebao.applications.handlers import HandlerNotRegistered, handler_for_key
    from shebao.policy.selectors import policy_memo

    try:
        handler = handler_for_key(matter.handler)
    except HandlerNotRegistered:
        return ""
    # Read from the region's calendar in policy: the same for every visitor that day.
    return policy_memo(
        ("period_text", matter.handler, region.code, on),
        lambda: handler.calendar_text(region=region.code, on=on),
    )


def applicant_deadline(matter: Matter, region: Region | None, on: date, actor: Actor | None) -> str:
    """The time limit the matter's handler states to ``actor`` in ``region`` ("" if none)."""
    if region is None or not matter.handler:
        return ""
    from shebao.applications.handlers import HandlerNotRegistered, handler_for_key

    try:
        handler = handler_for_key(matter.handler)
    except HandlerNotRegistered:
        return ""
    return handler.applicant_deadline(actor=actor, region=region.code, on=on)


def guide_for(
    matter: Matter,
    *,
    region: Region | None = None,
    on: date | None = None,
    actor: Actor | None = None,
) -> Guide:
    """The guide as a viewer (``actor``, where one is signed in) in ``region`` reads it on
    ``on`` (today by default)."""
    from django.utils import timezone

    on = on or timezone.localdate()
    texts = regional_texts(matter, region)
    return Guide(
        matter=matter,
        applicant_text=APPLICANT_TEXT[Matter.ApplicantKind(matter.applicant_kind)],
        time_limit_text=time_limit_text(matter),
        acceptance_text=acceptance_text(matter),
        reviewer_note=reviewer_note(matter),
        core_materials=[m for m in matter.materials if m.get("core")],
        deferrable_materials=_deferrable(matter),
        legal_basis=texts["legal_basis"],
        sources=[SEEDS[s] for s in matter.sources if s in SEEDS],
        region_name=region.name if region is not None else "",
        deadline_notes=texts["deadline_note"],
        # the nearest region's path wins; without one, this hall is the way to apply
        online_path=texts["online_path"][-1] if texts["online_path"] else "",
        notes=texts["note"],
        emergency_notes=emergency_texts(matter, region, on),
        emergency_measures=(measures := emergency_measures(region, on)),
        emergency_notices=emergency_notices(matter, region, on, measures),
        window_text=window_text(matter, region, on),
        period_text=period_text(matter, region, on),
        applicant_deadline=applicant_deadline(matter, region, on, actor),
    )


def apply_hint(*, actor: Actor, matter: Matter, allowed: bool) -> str:
    """Why the actor cannot apply for the matter as they are signed in ("" if they can)."""
    if allowed:
        return ""
    if actor.is_anonymous:
        return "登录后即可在线办理。"
    if actor.is_individual:
        return "本事项由单位办理：请以单位身份登录后申请。"
    if actor.is_unit:
        if matter.applicant_kind == Matter.ApplicantKind.INDIVIDUAL:
            return "本事项由个人办理：请以个人身份登录后申请。"
        return "您尚未获得本事项的经办授权，请联系单位法定代表人或管理员授权。"
    return "当前登录身份不能提交本事项的申请。"
