"""The one table of the workflow: every action on an application, who may take it, from which
states, to which state, and what it is called.

Services guard with it (:func:`transition_for` refuses an action that does not fit the state),
selectors list the actions an actor may take now (:func:`actions_for`), the API returns those
actions and the labels, and templates render the buttons and the status text from it. Nothing
else spells out states, actions or their Chinese names.

A *transition* changes the status; an *operation* (edit the form, upload or remove a file,
supply a 容缺 material) keeps it. Both are rows of :data:`ACTIONS`. Rows with the same
``action`` but different sources are different transitions with their own labels: a case
rejected while it waits for acceptance is 不予受理, one rejected after acceptance is 不予批准 —
whatever happened to it before (an accepted case that was returned and resubmitted waits for
acceptance again).

Every transition names the handler hook that runs inside its transaction
(:mod:`shebao.applications.handlers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from shebao.applications.models import Application

Status = Application.Status

# Who takes an action.
APPLICANT = "applicant"  # the individual, or a unit user who may handle the matter
REVIEWER = "reviewer"  # agency staff with the REVIEW capability for the case's department+district
SYSTEM = "system"  # the engine itself (instant matters, the lapse task)


@dataclass(frozen=True)
class Action:
    """One row of the table.

    - ``key``: unique name of the row (stored on the application as the transition that
      reached its status);
    - ``action``: what a client asks for (the API's and the forms' ``action``; the audit
      event's action);
    - ``sources``: the states it may be taken from; ``target``: the state it leads to (None for
      an operation that keeps the state);
    - ``actor``: APPLICANT, REVIEWER or SYSTEM; ``capability``: the staff capability a
      reviewer needs (:mod:`shebao.accounts.capabilities`);
    - ``button``: the button's text; ``label``: what happened, as the applicant reads it in
      the audit trail and the notification; ``status_label``: the status text shown while the
      case stays where this transition left it (empty: the status's own name);
    - ``hook``: the handler method run in the transaction;
    - ``reason``: "required", "optional" or "" (no reason asked); ``reason_label``;
    - ``confirm``: the confirmation question before a button is pressed; ``style``: the
      button's class.
    """

    key: str
    action: str
    sources: tuple[str, ...]
    target: str | None
    actor: str
    button: str
    label: str
    hook: str = ""
    capability: str = ""
    status_label: str = ""
    reason: str = ""
    reason_label: str = ""
    confirm: str = ""
    style: str = ""

    @property
    def reason_required(self) -> bool:
        return self.reason == "required"

    @property
    def changes_state(self) -> bool:
        return self.target is not None


REVIEW = (
    "review"  # shebao.accounts.capabilities.Capability.REVIEW (kept a literal: no import cycle)
)

ACTIONS: tuple[Action, ...] = (
    # --- applicant: operations on a draft or a returned case -----------------------------------
    Action(
        "edit", "edit", (Status.DRAFT, Status.RETURNED), None, APPLICANT, "修改申请表", "修改申请表"
    ),
    Action(
        "upload", "upload", (Status.DRAFT, Status.RETURNED), None, APPLICANT, "上传材料", "上传材料"
    ),
    Action(
        "remove_material",
        "remove_material",
        (Status.DRAFT, Status.RETURNED),
        None,
        APPLICANT,
        "删除材料",
        "删除材料",
    ),
    # 容缺: supplying a missing material keeps the case accepted.
    Action("supply", "supply", (Status.ACCEPTED,), None, APPLICANT, "补交", "补交容缺材料"),
    # --- applicant: transitions ------------------------------------------------------------------
    Action(
        "submit",
        "submit",
        (Status.DRAFT, Status.RETURNED),
        Status.SUBMITTED,
        APPLICANT,
        "提交申请",
        "提交申请",
        hook="on_submitted",
    ),
    Action(
        "recall",
        "recall",
        (Status.SUBMITTED,),
        Status.DRAFT,
        APPLICANT,
        "回退修改",
        "回退修改",
        hook="on_recalled",
        confirm="回退后申请变为草稿，需重新提交。确定回退修改吗？",
        style="btn-secondary",
    ),
    Action(
        "withdraw",
        "withdraw",
        (Status.DRAFT, Status.SUBMITTED, Status.RETURNED),
        Status.WITHDRAWN,
        APPLICANT,
        "撤回申请",
        "撤回申请",
        hook="on_withdrawn",
        reason="optional",
        reason_label="撤回原因",
        confirm="撤回后本申请终止办理，确定撤回吗？",
        style="btn-danger",
    ),
    # --- reviewer ----------------------------------------------------------------------------------
    Action(
        "accept",
        "accept",
        (Status.SUBMITTED,),
        Status.ACCEPTED,
        REVIEWER,
        "受理",
        "受理",
        hook="on_accepted",
        capability=REVIEW,
        reason="optional",
        reason_label="受理意见",
        confirm="确定受理该申请吗？受理后开始计算办结时限。",
        style="btn-success",
    ),
    Action(
        "approve",
        "approve",
        (Status.ACCEPTED,),
        Status.APPROVED,
        REVIEWER,
        "审核通过",
        "审核通过",
        hook="on_approved",
        capability=REVIEW,
        reason="optional",
        reason_label="审核意见",
        confirm="确定审核通过吗？",
        style="btn-success",
    ),
    Action(
        "complete",
        "complete",
        (Status.APPROVED,),
        Status.COMPLETED,
        REVIEWER,
        "办结",
        "办结",
        hook="on_completed",
        capability=REVIEW,
        reason="optional",
        reason_label="办结说明",
        confirm="确定办结该申请吗？",
        style="btn-success",
    ),
    Action(
        "return",
        "return",
        (Status.SUBMITTED, Status.ACCEPTED),
        Status.RETURNED,
        REVIEWER,
        "退回补正",
        "退回补正",
        hook="on_returned",
        capability=REVIEW,
        reason="required",
        reason_label="退回理由（需补正的内容）",
        confirm="确定退回申请人补正吗？",
        style="btn-warning",
    ),
    Action(
        "reject_at_intake",
        "reject",
        (Status.SUBMITTED,),
        Status.REJECTED,
        REVIEWER,
        "不予受理",
        "不予受理",
        hook="on_rejected",
        capability=REVIEW,
        status_label="不予受理",
        reason="required",
        reason_label="不予受理的理由",
        confirm="不予受理后申请终止，确定吗？",
        style="btn-danger",
    ),
    Action(
        "reject_after_review",
        "reject",
        (Status.ACCEPTED,),
        Status.REJECTED,
        REVIEWER,
        "不予批准",
        "不予批准",
        hook="on_rejected",
        capability=REVIEW,
        status_label="不予批准",
        reason="required",
        reason_label="不予批准的理由",
        confirm="不予批准后申请终止，确定吗？",
        style="btn-danger",
    ),
    # --- system --------------------------------------------------------------------------------------
    Action(
        "lapse",
        "lapse",
        (Status.ACCEPTED,),
        Status.LAPSED,
        SYSTEM,
        "",
        "逾期未补齐材料，申请失效",
        hook="on_lapsed",
    ),
)

BY_KEY: dict[str, Action] = {row.key: row for row in ACTIONS}

# The order reviewers see their buttons in (the decision that moves the case on comes first).
REVIEWER_ORDER = ("accept", "approve", "complete", "return", "reject")

# Actions that only exist in the audit trail (no row above): their labels.
EVENT_ONLY_LABELS = {
    "create": "创建申请",
    # Mail-in (shebao.applications.mailing): the case keeps its state.
    "mail_sent": "邮寄纸质材料",
    "mail_received": "签收邮寄材料",
}


def transition_for(action: str, status: str) -> Action | None:
    """The row for ``action`` taken in ``status``, or None if it cannot be taken there."""
    for row in ACTIONS:
        if row.action == action and status in row.sources:
            return row
    return None


def rows_for_action(action: str) -> list[Action]:
    return [row for row in ACTIONS if row.action == action]


def is_action(action: str) -> bool:
    return any(row.action == action for row in ACTIONS)


def available(status: str, actor: str) -> list[Action]:
    """Rows an actor of this kind may take from ``status`` (before case-specific conditions)."""
    rows = [row for row in ACTIONS if row.actor == actor and status in row.sources]
    if actor == REVIEWER:
        rows.sort(key=lambda row: REVIEWER_ORDER.index(row.action))
    return rows


def event_label(action: str, from_status: str) -> str:
    """What an audit event is called: the label of the row that was taken."""
    row = transition_for(action, from_status)
    if row is not None:
        return row.label
    rows = rows_for_action(action)
    if rows:
        return rows[0].label
    return EVENT_ONLY_LABELS.get(action, action)


def status_label(application: Application) -> str:
    """The status as shown: the reaching transition's own status text, else the status name."""
    row = BY_KEY.get(application.status_transition or "")
    if row is not None and row.status_label and row.target == application.status:
        return row.status_label
    return application.get_status_display()


# How a refusal names an action (“不能{verb}”) where the button's text does not read as a verb.
VERBS = {
    "edit": "修改",
    "supply": "补交材料",
    "submit": "提交",
    "withdraw": "撤回",
    "reject": "作出不予办理决定",
}


def verb(action: str) -> str:
    """The action as a verb for refusals: “不能{verb}”."""
    if action in VERBS:
        return VERBS[action]
    rows = rows_for_action(action)
    return (rows[0].button or rows[0].label) if rows else action
