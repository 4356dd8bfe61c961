"""The guide (办事指南) of a matter as people read it: plain explanations derived from the data.

Pages and the API show the same explanations; templates only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shebao.catalogue.models import Matter
from shebao.catalogue.sources import SEEDS, Seed

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

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
    core_materials: list[dict[str, Any]]
    deferrable_materials: list[dict[str, Any]]
    legal_basis: list[str]
    sources: list[Seed]


def time_limit_text(matter: Matter, *, short: bool = False) -> str:
    if matter.instant:
        return "即办" if short else "即办（提交后即时办结）"
    return f"{matter.time_limit_days} 个工作日"


def acceptance_text(matter: Matter) -> str:
    """What the acceptance mode means for the applicant of this matter."""
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


def guide_for(matter: Matter) -> Guide:
    return Guide(
        matter=matter,
        applicant_text=APPLICANT_TEXT[Matter.ApplicantKind(matter.applicant_kind)],
        time_limit_text=time_limit_text(matter),
        acceptance_text=acceptance_text(matter),
        core_materials=[m for m in matter.materials if m.get("core")],
        deferrable_materials=_deferrable(matter),
        legal_basis=[line for line in matter.legal_basis.splitlines() if line.strip()],
        sources=[SEEDS[s] for s in matter.sources if s in SEEDS],
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
