"""The one table of a dispute case: every action, for which kind of case, from which states, to
which state, who takes it and what it is called. Services guard with it, selectors list the
actions an actor may take now, and the case page renders its buttons from it."""

from __future__ import annotations

from dataclasses import dataclass

from shebao.disputes.models import DisputeCase

Kind = DisputeCase.Kind
Status = DisputeCase.Status
Outcome = DisputeCase.Outcome

APPLICANT = "applicant"  # the applicant's side (the worker; the unit's managers or grantees)
STAFF = "staff"  # labour-relations staff (REVIEW of labour_relations) of the case's district


@dataclass(frozen=True)
class Transition:
    action: str
    kinds: tuple[str, ...]
    sources: tuple[str, ...]
    target: str
    who: str
    button: str
    label: str  # what happened, as the audit trail says it
    outcome: str = ""  # the outcome a closing action records
    note: str = ""  # "required", "optional" or "" (no text asked)
    note_label: str = ""
    hearing: bool = False  # asks for the hearing's date, time and place
    style: str = ""


BOTH = (Kind.MEDIATION, Kind.ARBITRATION)
OPEN = (Status.SUBMITTED, Status.MEDIATING, Status.ACCEPTED, Status.HEARING)

TRANSITIONS: tuple[Transition, ...] = (
    # --- mediation (劳动争议调解仲裁法 第十条至第十六条) ----------------------------------------
    Transition(
        "mediate",
        (Kind.MEDIATION,),
        (Status.SUBMITTED,),
        Status.MEDIATING,
        STAFF,
        "受理调解",
        "调解组织受理调解申请，通知对方当事人",
        note="optional",
        note_label="受理说明",
        style="btn-success",
    ),
    Transition(
        "agree",
        (Kind.MEDIATION,),
        (Status.MEDIATING,),
        Status.CLOSED,
        STAFF,
        "达成调解协议",
        "达成调解协议，制作调解协议书",
        outcome=Outcome.AGREEMENT,
        note="required",
        note_label="调解协议内容",
        style="btn-success",
    ),
    Transition(
        "fail",
        (Kind.MEDIATION,),
        (Status.MEDIATING,),
        Status.CLOSED,
        STAFF,
        "调解不成",
        "未达成调解协议，告知当事人可以依法申请仲裁",
        outcome=Outcome.NO_AGREEMENT,
        note="required",
        note_label="调解情况",
        style="btn-warning",
    ),
    # --- arbitration (第二十七条至第五十条) -----------------------------------------------------
    Transition(
        "accept",
        (Kind.ARBITRATION,),
        (Status.SUBMITTED,),
        Status.ACCEPTED,
        STAFF,
        "受理",
        "仲裁委员会决定受理，向被申请人送达申请书副本",
        note="optional",
        note_label="受理说明",
        style="btn-success",
    ),
    Transition(
        "refuse",
        (Kind.ARBITRATION,),
        (Status.SUBMITTED,),
        Status.CLOSED,
        STAFF,
        "不予受理",
        "仲裁委员会决定不予受理，书面通知申请人并说明理由",
        outcome=Outcome.NOT_ACCEPTED,
        note="required",
        note_label="不予受理的理由",
        style="btn-danger",
    ),
    Transition(
        "schedule",
        (Kind.ARBITRATION,),
        (Status.ACCEPTED, Status.HEARING),
        Status.HEARING,
        STAFF,
        "安排开庭",
        "安排开庭，书面通知双方当事人开庭日期和地点",
        hearing=True,
    ),
    Transition(
        "award",
        (Kind.ARBITRATION,),
        (Status.HEARING,),
        Status.CLOSED,
        STAFF,
        "作出裁决",
        "仲裁庭作出裁决",
        outcome=Outcome.AWARD,
        note="required",
        note_label="裁决主文",
        style="btn-success",
    ),
    Transition(
        "settle",
        (Kind.ARBITRATION,),
        (Status.ACCEPTED, Status.HEARING),
        Status.CLOSED,
        STAFF,
        "调解结案",
        "仲裁庭调解，达成协议制作调解书结案",
        outcome=Outcome.MEDIATED,
        note="required",
        note_label="调解书内容",
    ),
    # --- the applicant -----------------------------------------------------------------------------
    Transition(
        "withdraw",
        BOTH,
        OPEN,
        Status.CLOSED,
        APPLICANT,
        "撤回申请",
        "申请人撤回申请",
        outcome=Outcome.WITHDRAWN,
        note="optional",
        note_label="撤回原因",
        style="btn-danger",
    ),
)


def transition_for(case: DisputeCase, action: str) -> Transition | None:
    """The row of ``action`` that fits the case's kind and status, or None."""
    for row in TRANSITIONS:
        if row.action == action and case.kind in row.kinds and case.status in row.sources:
            return row
    return None


def actions_open(case: DisputeCase, who: str) -> list[Transition]:
    return [
        row
        for row in TRANSITIONS
        if row.who == who and case.kind in row.kinds and case.status in row.sources
    ]
