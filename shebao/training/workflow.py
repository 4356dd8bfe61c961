"""The one transitions table of training and skill-level assessment: for a filing, a plan and
a registration, every action, from which states, to which state, who takes it, its button and
label, and the rule it keeps (shown beside the button, enforced by the service).

Seed 004 item 26, step by step: 机构备案(通过后) → 制定计划，不晚于开考前10天提交 → 录入考生信息，
下载准考证 → 鉴定中心安排督导 → 现场实施评价 → 评价机构录入成绩并确认提交 → 督导员评价 →
鉴定中心同意入库 → 生成证书编号及电子证书.
"""

from __future__ import annotations

from dataclasses import dataclass

from shebao.training.models import AssessmentFiling, AssessmentPlan, TrainingRegistration

Filing = AssessmentFiling.Status
Plan = AssessmentPlan.Status
Registration = TrainingRegistration.Status

INSTITUTION = "institution"  # the assessment institution's users (managers; grantees of 26)
CENTRE = "centre"  # the assessment centre: talent staff (REVIEW of talent) of the district
TRAINER = "trainer"  # the training institution's managers
PERSON = "person"  # the worker who registered


@dataclass(frozen=True)
class Step:
    subject: str  # filing / plan / registration
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: an operation that keeps the state
    who: str
    button: str
    label: str
    rule: str = ""
    note: str = ""  # "required" / "optional" / ""
    note_label: str = ""
    style: str = ""


STEPS: tuple[Step, ...] = (
    # --- the assessment institution's filing (机构备案) --------------------------------------------
    Step(
        "filing",
        "approve",
        (Filing.SUBMITTED,),
        Filing.APPROVED,
        CENTRE,
        "备案通过",
        "鉴定中心审核通过评价机构备案",
        style="btn-success",
    ),
    Step(
        "filing",
        "reject",
        (Filing.SUBMITTED,),
        Filing.REJECTED,
        CENTRE,
        "备案不通过",
        "鉴定中心审核不通过",
        note="required",
        note_label="不通过的理由",
        style="btn-danger",
    ),
    Step(
        "filing",
        "refile",
        (Filing.REJECTED, Filing.APPROVED),
        Filing.SUBMITTED,
        INSTITUTION,
        "重新申报",
        "评价机构重新申报备案",
    ),
    # --- the plan (认定计划) -----------------------------------------------------------------------
    Step(
        "plan",
        "add_candidate",
        (Plan.DRAFT,),
        None,
        INSTITUTION,
        "录入考生",
        "录入考生信息",
        rule="同一计划中每位考生只录入一次",
    ),
    Step(
        "plan",
        "remove_candidate",
        (Plan.DRAFT,),
        None,
        INSTITUTION,
        "删除考生",
        "删除考生",
    ),
    Step(
        "plan",
        "submit",
        (Plan.DRAFT,),
        Plan.SUBMITTED,
        INSTITUTION,
        "提交计划和考生信息",
        "评价机构提交认定计划和考生信息，生成准考证",
        rule="备案已通过；至少录入一名考生；不晚于开考前10天提交",
        style="btn-success",
    ),
    Step(
        "plan",
        "return",
        (Plan.SUBMITTED,),
        Plan.DRAFT,
        CENTRE,
        "退回修改",
        "鉴定中心退回计划修改",
        note="required",
        note_label="退回理由",
        style="btn-warning",
    ),
    Step(
        "plan",
        "assign",
        (Plan.SUBMITTED,),
        Plan.SUPERVISED,
        CENTRE,
        "安排督导",
        "鉴定中心安排督导员",
        rule="须填写督导员",
        note="required",
        note_label="督导员姓名",
        style="btn-success",
    ),
    Step(
        "plan",
        "enter_results",
        (Plan.SUPERVISED,),
        None,
        INSTITUTION,
        "录入成绩",
        "评价机构录入成绩",
        rule="开考后录入；只能录入本计划的考生；成绩为0–100的整数，两项均不低于60分为合格",
    ),
    Step(
        "plan",
        "confirm_results",
        (Plan.SUPERVISED,),
        Plan.RESULTS_CONFIRMED,
        INSTITUTION,
        "确认提交成绩",
        "评价机构确认提交成绩",
        rule="每位考生均已录入成绩",
        style="btn-success",
    ),
    Step(
        "plan",
        "evaluate",
        (Plan.RESULTS_CONFIRMED,),
        Plan.EVALUATED,
        CENTRE,
        "记录督导员评价",
        "督导员评价",
        note="required",
        note_label="督导员评价意见",
        style="btn-success",
    ),
    Step(
        "plan",
        "approve",
        (Plan.EVALUATED,),
        Plan.APPROVED,
        CENTRE,
        "同意入库",
        "鉴定中心同意成绩入库",
        style="btn-success",
    ),
    Step(
        "plan",
        "issue",
        (Plan.APPROVED,),
        Plan.ISSUED,
        CENTRE,
        "生成证书",
        "生成证书编号及电子证书",
        rule="为每位合格考生生成一份证书",
        style="btn-success",
    ),
    # --- a registration (培训报名) -----------------------------------------------------------------
    Step(
        "registration",
        "confirm",
        (Registration.SUBMITTED,),
        Registration.CONFIRMED,
        TRAINER,
        "确认报名",
        "培训机构确认报名",
        note="optional",
        note_label="开班时间等说明",
        style="btn-success",
    ),
    Step(
        "registration",
        "decline",
        (Registration.SUBMITTED,),
        Registration.DECLINED,
        TRAINER,
        "不予录取",
        "培训机构未录取",
        note="required",
        note_label="原因",
        style="btn-danger",
    ),
    Step(
        "registration",
        "withdraw",
        (Registration.SUBMITTED, Registration.CONFIRMED),
        Registration.WITHDRAWN,
        PERSON,
        "撤回报名",
        "报名人撤回报名",
        style="btn-danger",
    ),
)


def step_for(subject: str, action: str, status: str) -> Step | None:
    for step in STEPS:
        if step.subject == subject and step.action == action and status in step.sources:
            return step
    return None


def steps_open(subject: str, status: str, who: str) -> list[Step]:
    return [s for s in STEPS if s.subject == subject and s.who == who and status in s.sources]


def plan_path() -> list[tuple[str, str]]:
    """The plan's states in order, with their names (the progress bar of the plan page)."""
    return list(Plan.choices)
