"""Emergency measures as the hall reads them: one dated policy record per region.

The record is the policy parameter ``emergency.measures`` (schema ``check_emergency``), loaded
from ``shebao/policy/data/*.toml`` with its source. Its period runs from the first day of the
emergency (``valid_from``) to the end of the late-handling time (``valid_to``); inside it,
``lifted_on`` is the day the emergency was lifted. Every capability that honours a measure reads
it through this module, so each effect is decided in one place:

- late handling (补办): business the emergency kept people from doing may be done until
  ``deferral_months_after_lift`` months after the lifting, without loss of rights
  (seeds 000, 003) — :attr:`Measure.late_until`, :func:`deadline_extended`;
- no suspension of benefits for a missed qualification certification (seed 000) while the
  record is in force (late certification is late handling) — :func:`certification_waiver`;
- the unemployment benefit raised while the emergency lasts, up to its lifting (seed 000:
  执行期限至疫情结束) — :meth:`Measure.ongoing` (read by ``shebao.rules.unemployment``);
- no claim time limit for people unemployed from a month (seed 000) — :func:`claim_deadline`;
- manual and off-system operations flagged for review after the lifting (seed 003) —
  ``shebao.emergency``; audit cases suspended (seed 003) — ``shebao.audit``;
- the collection period of some months extended (Beijing, seed 003) and the late fee waived —
  read by the contributions capability from the same record.

Two emergency records of one region, or of a region and one above or below it, must not overlap
(``EMERGENCY_MEASURE_OVERLAP``): the nearest record would hide the other's effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shebao.common.periods import YearMonth, day_label
from shebao.common.trace import Param


def months_after(day: date, months: int) -> date:
    """The same day ``months`` months later (the month's last day where it is shorter)."""
    return (YearMonth.of(day) + months).day(day.day)


@dataclass(frozen=True)
class Effect:
    code: str  # stable: late_handling, late_fee_waived, collection_extended, ...
    title: str  # what it means, in Chinese, with its dates

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "title": self.title}


@dataclass(frozen=True)
class Measure:
    """One region's emergency measures as one policy record says them."""

    param: Param[Any]

    @property
    def value(self) -> dict[str, Any]:
        return self.param.value

    @property
    def code(self) -> str:
        ref = self.param.ref
        return self.value["code"] or f"{ref.region}-{ref.valid_from:%Y%m%d}"

    @property
    def title(self) -> str:
        return self.value["name"]

    @property
    def region(self) -> str:
        """The region whose record it is (a district inherits its city's)."""
        return self.param.ref.region

    @property
    def start(self) -> date:
        return self.param.ref.valid_from

    @property
    def end(self) -> date | None:
        """The day the emergency was lifted (None: not lifted yet)."""
        return self.value["lifted_on"]

    @property
    def source(self) -> str:
        return self.param.ref.source

    @property
    def late_until(self) -> date | None:
        """The last day late handling is accepted (None: not lifted yet, or no late handling)."""
        months = self.value["deferral_months_after_lift"]
        if self.end is None or not months:
            return None
        return months_after(self.end, months)

    def as_dict(self) -> dict[str, Any]:
        """The API's form: ``{code, title, region, start, end, effects, source}``."""
        return {
            "code": self.code,
            "title": self.title,
            "region": self.region,
            "start": self.start,
            "end": self.end,
            "effects": [e.as_dict() for e in self.effects()],
            "source": self.source,
        }

    def ongoing(self, on: date) -> bool:
        """Whether the emergency itself lasts on ``on`` (from its start to its lifting)."""
        return self.start <= on and (self.end is None or on <= self.end)

    def covers(self, day: date) -> bool:
        """Whether a deadline falling on ``day`` fell within the emergency."""
        return self.ongoing(day)

    def period_text(self) -> str:
        end = f"{day_label(self.end)}解除" if self.end else "尚未解除"
        return f"{day_label(self.start)}起，{end}"

    def effects(self) -> list[Effect]:
        v = self.value
        found: list[Effect] = []
        if v["deferral_months_after_lift"]:
            until = f"（{day_label(self.late_until)}前）" if self.late_until else ""
            rights = "，不影响个人权益记录和待遇领取" if v["keep_rights_record"] else ""
            found.append(
                Effect(
                    "late_handling",
                    "应急措施期间未及时办理的参保、缴费、关系转移接续、待遇申领等业务，可在措施解除后"
                    f"{v['deferral_months_after_lift']}个月内{until}补办{rights}",
                )
            )
        if v["waive_late_fee"]:
            found.append(Effect("late_fee_waived", "补办的缴费不收取滞纳金"))
        for ext in v["collection_extensions"]:
            months = "、".join(m.label() for m in ext["months"])
            found.append(
                Effect(
                    "collection_extended",
                    f"{months}应缴社会保险费征收期延长至{day_label(ext['until'])}，延长期间待遇正常享受",
                )
            )
        if v["no_certification_suspension"]:
            found.append(
                Effect(
                    "no_certification_suspension",
                    "领取待遇人员未按期进行资格认证的，不暂停待遇发放",
                )
            )
        if v["unemployment_benefit_pct"] is not None:
            pct = (v["unemployment_benefit_pct"] * 100).normalize()
            found.append(
                Effect(
                    "unemployment_benefit_raised",
                    f"失业保险金提高到当地最低工资标准的{pct:f}%，执行至措施解除",
                )
            )
        if v["unemployment_claim_limit_lifted_from"] is not None:
            month = v["unemployment_claim_limit_lifted_from"].label()
            found.append(
                Effect(
                    "unemployment_claim_limit_lifted",
                    f"{month}以后失业的人员申领失业保险金不受申领时限限制",
                )
            )
        if v["flag_manual_operations"]:
            found.append(
                Effect(
                    "manual_operations_flagged",
                    "系统外经办和手工应急操作在系统中标识，措施解除后及时审核、结算并稽核内审",
                )
            )
        if v["suspend_audit_cases"]:
            found.append(
                Effect(
                    "audit_cases_suspended",
                    "已立案的稽核案件中止、稽核期限顺延；携带材料前来的投诉人暂缓立案，"
                    "先行登记并留存材料",
                )
            )
        if v["priority_injury_claims"]:
            found.append(
                Effect(
                    "priority_injury_claims",
                    "因履行工作职责感染的医护及相关工作人员，工伤待遇优先处理",
                )
            )
        if v["provisional_death_settlement"]:
            found.append(
                Effect(
                    "provisional_death_settlement",
                    "死亡待遇暂按上年度标准预结算，新标准公布后重新核算、多退少补",
                )
            )
        return found


def measure_in_force(*, region: str, on: date) -> Measure | None:
    """The emergency measures whose record is in force in ``region`` on ``on`` (the emergency
    itself or its late-handling time), or None."""
    from shebao.policy.selectors import emergency_in_force

    param = emergency_in_force(region=region, on=on)
    return Measure(param) if param is not None else None


def measures_in_force(*, region: str, on: date) -> list[Measure]:
    """The list the API and the pages show (at most one record applies to a region): the same
    for every page of the region that day while policy is unchanged, so kept per process."""
    from shebao.policy.selectors import policy_memo

    def found() -> tuple[Measure, ...]:
        measure = measure_in_force(region=region, on=on)
        return (measure,) if measure is not None else ()

    return list(policy_memo(("measures_in_force", region, on), found))


def deadline_extended(*, region: str, deadline: date, on: date) -> date:
    """A deadline as the region's emergency measures extend it on ``on``: one that fell within
    the emergency moves to the end of the late-handling time (seeds 000, 003)."""
    measure = measure_in_force(region=region, on=on)
    if measure is None or measure.late_until is None:
        if measure is not None and measure.end is None and measure.covers(deadline):
            return max(deadline, on)  # not lifted yet: nothing the emergency covers lapses
        return deadline
    if measure.covers(deadline) and measure.late_until > deadline:
        return measure.late_until
    return deadline


def late_handling_open(*, region: str, on: date) -> Measure | None:
    """The measures under which business is still accepted late (补办) in ``region`` on ``on``:
    while the emergency lasts and up to :attr:`Measure.late_until` after its lifting, or None."""
    measure = measure_in_force(region=region, on=on)
    if measure is None or not measure.value["deferral_months_after_lift"]:
        return None
    if measure.late_until is not None and on > measure.late_until:
        return None
    return measure


def late_handling_notice(measure: Measure, *, window: str = "") -> str:
    """What a matter's page says of the measure's late handling; ``window`` is the region's
    business window (``每月11日至次月6日受理``) where the matter is only accepted inside it.

    A window is not a deadline: the days it closes each month (Jiangsu: 7th–10th, while the
    agency assesses the month's contributions) stay closed during an emergency, and late
    business is submitted on the days it is open, up to the end of late handling."""
    rights = "，不影响个人权益记录和待遇领取" if measure.value["keep_rights_record"] else ""
    if measure.late_until is not None:
        text = (
            f"应急措施期间未能按期办理本事项的，可在{day_label(measure.late_until)}前补办{rights}；"
            "期间届满的办理期限和申领期限顺延至该日。"
        )
    elif measure.end is None:
        months = measure.value["deferral_months_after_lift"]
        within = f"{months}个月内" if months else ""
        text = (
            f"应急措施期间未能按期办理本事项的，可在措施解除后{within}补办{rights}；"
            "措施解除前，期间届满的办理期限和申领期限不因逾期失效。"
        )
    else:
        return ""
    if window:
        text += f"业务受理时间不因应急措施改变（{window}），补办也须在受理期内提交。"
    return text


def collection_extended(*, region: str, month: YearMonth, deadline: date) -> date:
    """The day the contributions of ``month`` are payable by in ``region``: ``deadline``, or the
    later day an emergency measure extends the collection period of that month to (Beijing:
    January and February 2020 until the end of March, seed 003). The record read is the one in
    force on ``deadline``."""
    measure = measure_in_force(region=region, on=deadline)
    if measure is None:
        return deadline
    for ext in measure.value["collection_extensions"]:
        if month in ext["months"] and ext["until"] > deadline:
            deadline = ext["until"]
    return deadline


def certification_waiver(*, region: str, on: date) -> Measure | None:
    """The measures under which a pensioner who missed the qualification certification on
    ``on`` is not suspended (seed 000), or None: the benefits capability asks this before it
    suspends a payment."""
    measure = measure_in_force(region=region, on=on)
    if measure is not None and measure.value["no_certification_suspension"]:
        return measure
    return None


@dataclass(frozen=True)
class ClaimDeadline:
    """When an unemployed person must claim the benefit by, and why."""

    last_day: date | None  # None: no time limit
    explanation: str


def claim_deadline(*, region: str, unemployed_on: date, on: date) -> ClaimDeadline:
    """The last day to claim the unemployment benefit for unemployment from ``unemployed_on``,
    as read on ``on``: ``unemployment.apply_deadline_days`` after it (60 days nationally), no
    limit where the emergency measures in force lift it for that month (Jilin: unemployed from
    2019-12, seed 000), extended to the end of late handling when it fell in the emergency."""
    from shebao.policy.selectors import param_or_none

    measure = measure_in_force(region=region, on=on)
    lifted_from = measure.value["unemployment_claim_limit_lifted_from"] if measure else None
    if lifted_from is not None and YearMonth.of(unemployed_on) >= lifted_from:
        return ClaimDeadline(
            None,
            f"按{measure.title}，{lifted_from.label()}以后失业的人员申领失业保险金不受时限限制",  # type: ignore[union-attr]
        )
    days = param_or_none(region=region, key="unemployment.apply_deadline_days", on=unemployed_on)
    if days is None or days.value is None:
        return ClaimDeadline(None, "本地区申领失业保险金不受时限限制")
    last = unemployed_on + timedelta(days=days.value)
    extended = deadline_extended(region=region, deadline=last, on=on)
    if extended != last:
        return ClaimDeadline(
            extended,
            f"失业之日起{days.value}日内申领（原截止{day_label(last)}）；按{measure.title}，"  # type: ignore[union-attr]
            f"可在{day_label(extended)}前补办",
        )
    return ClaimDeadline(last, f"失业之日起{days.value}日内申领，截止{day_label(last)}")


def claim_rule(*, region: str, on: date) -> str:
    """The claim time limit of ``region`` on ``on`` as the guide states it to a visitor whose
    unemployment date it does not know: the days, and what the measures in force change."""
    from shebao.policy.selectors import param_or_none

    days = param_or_none(region=region, key="unemployment.apply_deadline_days", on=on)
    if days is None or days.value is None:
        return "本地区申领失业保险金不受时限限制"
    text = f"失业之日起{days.value}日内申领失业保险金，逾期不能申领"
    measure = measure_in_force(region=region, on=on)
    if measure is None:
        return text
    lifted_from = measure.value["unemployment_claim_limit_lifted_from"]
    if lifted_from is not None:
        text += f"；按{measure.title}，{lifted_from.label()}以后失业的人员不受申领时限限制"
    if late_handling_open(region=region, on=on) is not None:
        if measure.late_until is not None:
            text += f"；申领期限在应急措施期间届满的，可在{day_label(measure.late_until)}前补办"
        else:
            text += "；申领期限在应急措施期间届满的，措施解除前不因逾期失效"
    return text


def lineage_overlaps(
    *, region: str, valid_from: date, valid_to: date | None, exclude: int | None = None
) -> list[Any]:
    """Stored emergency records of ``region``, its ancestors or its descendants whose period
    shares a day with ``valid_from``–``valid_to``."""
    from django.db.models import Q

    from shebao.policy.models import PolicyParameter
    from shebao.policy.selectors import EMERGENCY_KEY
    from shebao.registry.models import Region

    node = Region.objects.select_related("parent__parent__parent").get(code=region)
    codes = {r.code for r in node.lineage()}
    frontier = {region}
    while frontier:
        frontier = (
            set(Region.objects.filter(parent_id__in=frontier).values_list("code", flat=True))
            - codes
        )
        codes |= frontier
    rows = PolicyParameter.objects.filter(key=EMERGENCY_KEY, region_id__in=codes).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    )
    if valid_to is not None:
        rows = rows.filter(valid_from__lte=valid_to)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return list(rows.select_related("region").order_by("valid_from"))
