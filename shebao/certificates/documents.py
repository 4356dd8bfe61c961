"""What each certificate says, read from the master records, and its PDF layout.

:func:`content_for` reads the records a certificate kind certifies — the person's insurance
relations, the contribution lines (and the adjustments carried for them), the payments'
receipts, a unit's bills — as of a month, and returns a :class:`Content`: its fields and
tables as text, a short summary for the public verification page, and a digest of exactly what
it certifies. Reading the same records again gives the same digest; a correction of the records
gives another one (that is how a certificate on corrected data is found and revoked).

Facts after the certificate's month are left out (a relation still open then shows 至今), so
that new months recorded later never change an issued certificate's content; corrections of
the months it covers do.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Sum

from shebao.certificates.models import Kind
from shebao.common import pdf
from shebao.common.errors import InvalidInput, NotFound
from shebao.common.identifiers import mask_id_number
from shebao.common.money import from_fen, yuan_display
from shebao.common.periods import YearMonth
from shebao.contributions.models import Bill, ContributionAdjustment, ContributionLine, PayerKind
from shebao.insurance.models import Insurance, Relation, Scheme
from shebao.insurance.selectors import STATUS_LABELS, insurance_label, relation_status
from shebao.registry.models import Person, Unit

UNIT_RIGHTS_MONTHS = 12  # the unit's contributions by month: the year up to the month certified


@dataclass(frozen=True)
class Section:
    heading: str
    columns: list[pdf.Column]
    rows: list[tuple[str, ...]]
    note: str = ""
    empty: str = "（无记录）"


@dataclass
class Content:
    kind: str
    holder_name: str
    holder_code: str
    holder_masked: str
    period_start: YearMonth | None
    period_end: YearMonth | None
    fields: list[tuple[str, str]]
    sections: list[Section]
    summary: str
    options: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return Kind(self.kind).label

    def digest(self) -> str:
        """SHA-256 of what the certificate certifies (not of when or by whom it was issued)."""
        payload = {
            "kind": self.kind,
            "holder": [self.holder_name, self.holder_code],
            "period": [str(self.period_start or ""), str(self.period_end or "")],
            "fields": self.fields,
            "sections": [[s.heading, [c.label for c in s.columns], s.rows] for s in self.sections],
            "options": self.options,
        }
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _yuan(fen: int) -> str:
    return yuan_display(from_fen(fen))


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧**娜: the first character (and the last of a longer name)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_credit_code(code: str) -> str:
    return code[:6] + "*" * 8 + code[14:] if len(code) == 18 else code


def _no_record(message: str) -> InvalidInput:
    return InvalidInput(message, code="CERT_NO_RECORD")


# --- the person's records ------------------------------------------------------------------


def _relations(person: Person, as_of: YearMonth) -> list[Relation]:
    return list(
        Relation.objects.current()
        .filter(person=person, start_month__lte=as_of)
        .select_related("unit", "district")
        .order_by("start_month", "insurance", "id")
    )


def _end_label(relation: Relation, as_of: YearMonth) -> str:
    if relation.end_month is None or relation.end_month >= as_of:
        return "至今"
    return relation.end_month.label()


def _payer_label(relation: Relation) -> str:
    return relation.unit.name if relation.unit is not None else "个人缴费"


@dataclass(frozen=True)
class _Month:
    month: YearMonth
    insurance: str
    base_fen: int
    unit_fen: int
    individual_fen: int
    paid: bool


def _person_months(
    person: Person, relations: list[Relation], start: YearMonth, end: YearMonth
) -> list[_Month]:
    """The person's contribution lines from ``start`` to ``end`` with every payer the relations
    name, the adjustments carried for them added in. The lines' only index is their natural key
    (month, payer, person, insurance): each payer is probed month by month on it."""
    if end < start:
        return []
    months = [YearMonth.from_index(i) for i in range(start.index, end.index + 1)]
    payers = {
        (PayerKind.UNIT, r.unit_id) if r.unit_id else (PayerKind.SELF, person.pk) for r in relations
    }
    found: list[_Month] = []
    for payer_kind, payer_id in sorted(payers, key=lambda p: (p[0], p[1] or 0)):
        rows = ContributionLine.objects.filter(
            month__in=months, payer_kind=payer_kind, payer_id=payer_id, person=person
        ).values_list(
            "month", "insurance", "base_fen", "unit_fen", "individual_fen", "bill__status"
        )
        adjusted: dict[tuple[YearMonth, str], tuple[int, int, int]] = {}
        for month, insurance, base, unit_diff, individual_diff in (
            ContributionAdjustment.objects.filter(
                month__in=months, payer_kind=payer_kind, payer_id=payer_id, person=person
            )
            .order_by("id")
            .values_list("month", "insurance", "base_fen", "unit_diff_fen", "individual_diff_fen")
        ):
            _, u, i = adjusted.get((month, insurance), (0, 0, 0))
            adjusted[(month, insurance)] = (base, u + unit_diff, i + individual_diff)
        for month, insurance, base, unit, individual, status in rows:
            extra = adjusted.get((month, insurance))
            if extra is not None:
                base, unit, individual = extra[0], unit + extra[1], individual + extra[2]
            found.append(
                _Month(month, insurance, base, unit, individual, status == Bill.Status.PAID)
            )
    found.sort(key=lambda m: (m.month, m.insurance))
    return found


INSURANCE_NAMES = dict(Insurance.choices)


def _by_year(months: list[_Month]) -> list[tuple[str, ...]]:
    """Per year and insurance: months, average monthly base, the unit's and the individual's
    amounts, in yuan."""
    groups: dict[tuple[int, str], list[_Month]] = defaultdict(list)
    for m in months:
        groups[(m.month.year, m.insurance)].append(m)
    order = [i.value for i in Insurance]
    rows = []
    for (year, insurance), items in sorted(
        groups.items(), key=lambda g: (g[0][0], order.index(g[0][1]))
    ):
        count = len(items)
        base_total = sum(m.base_fen for m in items)
        average = (base_total * 2 + count) // (2 * count)  # half-up, in fen
        rows.append(
            (
                f"{year}年",
                INSURANCE_NAMES.get(insurance, insurance),
                f"{count}",
                f"{sum(1 for m in items if m.paid)}",
                _yuan(average),
                _yuan(sum(m.unit_fen for m in items)),
                _yuan(sum(m.individual_fen for m in items)),
            )
        )
    return rows


YEAR_COLUMNS = [
    pdf.Column("年度", 16),
    pdf.Column("险种", 30),
    pdf.Column("核定月数", 18, "right"),
    pdf.Column("已缴月数", 18, "right"),
    pdf.Column("月均缴费基数", 28, "right"),
    pdf.Column("单位缴费（元）", 32, "right"),
    pdf.Column("个人缴费（元）", 0, "right"),
]
RELATION_COLUMNS = [
    pdf.Column("险种", 40),
    pdf.Column("缴费单位或方式", 52),
    pdf.Column("参保地", 24),
    pdf.Column("起始年月", 20),
    pdf.Column("截止年月", 20),
    pdf.Column("状态", 0),
]


def _relation_rows(relations: list[Relation], as_of: YearMonth) -> list[tuple[str, ...]]:
    return [
        (
            insurance_label(r),
            _payer_label(r),
            r.district.name,
            r.start_month.label(),
            _end_label(r, as_of),
            STATUS_LABELS[relation_status(r, as_of)],
        )
        for r in relations
    ]


def _person_fields(person: Person) -> list[tuple[str, str]]:
    return [("姓名", person.name), ("公民身份号码", person.id_number)]


def person_masked(person: Person) -> str:
    """张伟（220202********0011）: the holder as the public verification shows them."""
    return _person_masked(person)


def _person_masked(person: Person) -> str:
    return f"{mask_name(person.name)}（{mask_id_number(person.id_number)}）"


def _personal_account_fen(months: list[_Month]) -> int:
    """The pension personal account's contributions: the individual's pension shares (本金;
    the credited interest is not in the contribution records)."""
    return sum(m.individual_fen for m in months if m.insurance == Insurance.PENSION)


def _participation(person: Person, as_of: YearMonth, options: dict[str, str]) -> Content:
    relations = _relations(person, as_of)
    if not relations:
        raise _no_record("没有查到您的参保记录，不能出具参保证明")
    start = relations[0].start_month
    months = _person_months(person, relations, start, as_of)
    counted: dict[str, int] = defaultdict(int)
    for m in months:
        if m.paid:
            counted[m.insurance] += 1
    order = [i.value for i in Insurance]
    covered = list(
        dict.fromkeys(
            insurance_label(r)
            for r in sorted(relations, key=lambda r: order.index(r.insurance))
            if relation_status(r, as_of) == "active"
        )
    )
    summary = (
        f"{'、'.join(covered) if covered else '无正在参保的险种'}；"
        f"证明期间 {start.label()}至{as_of.label()}"
    )
    return Content(
        kind=Kind.PARTICIPATION,
        holder_name=person.name,
        holder_code=person.id_number,
        holder_masked=_person_masked(person),
        period_start=start,
        period_end=as_of,
        fields=[*_person_fields(person), ("当前参保险种", "、".join(covered) if covered else "无")],
        sections=[
            Section("参保情况", RELATION_COLUMNS, _relation_rows(relations, as_of)),
            Section(
                "累计缴费月数（已缴清的月份）",
                [pdf.Column("险种", 60), pdf.Column("累计缴费月数", 0, "right")],
                [
                    (INSURANCE_NAMES[i], f"{counted[i]} 个月")
                    for i in sorted(counted, key=order.index)
                ],
            ),
        ],
        summary=summary,
        options=options,
        notes=["参保情况和缴费月数以本经办机构记录为准，截至证明截止年月。"],
    )


def _period(
    options: dict[str, str], first: YearMonth, as_of: YearMonth
) -> tuple[YearMonth, YearMonth]:
    start = (
        YearMonth.parse(options["start_month"], field="start_month")
        if options.get("start_month")
        else first
    )
    end = (
        YearMonth.parse(options["end_month"], field="end_month")
        if options.get("end_month")
        else as_of
    )
    if end > as_of:
        raise InvalidInput(
            "证明截止年月不能晚于本月", code="CERT_PERIOD_INVALID", field="end_month"
        )
    if start > end:
        raise InvalidInput(
            "证明起始年月不能晚于截止年月", code="CERT_PERIOD_INVALID", field="start_month"
        )
    return max(start, first), end


def _rights(person: Person, as_of: YearMonth, options: dict[str, str]) -> Content:
    relations = _relations(person, as_of)
    if not relations:
        raise _no_record("没有查到您的参保记录，不能出具个人权益单")
    start, end = _period(options, relations[0].start_month, as_of)
    months = _person_months(person, relations, start, end)
    account = _personal_account_fen(months)
    return Content(
        kind=Kind.RIGHTS,
        holder_name=person.name,
        holder_code=person.id_number,
        holder_masked=_person_masked(person),
        period_start=start,
        period_end=end,
        fields=[
            *_person_fields(person),
            ("养老保险个人账户", f"缴费累计 {_yuan(account)} 元（本金，不含记账利息）"),
        ],
        sections=[
            Section("参保情况", RELATION_COLUMNS, _relation_rows(relations, end)),
            Section("缴费情况（按年度）", YEAR_COLUMNS, _by_year(months)),
        ],
        summary=f"缴费记录 {len({m.month for m in months})} 个月；证明期间 {start.label()}至{end.label()}",
        options=options,
        notes=["核定月数为已核定缴费的月份；已缴月数为其中已缴清的月份。金额单位：元。"],
    )


def _pension(person: Person, as_of: YearMonth, options: dict[str, str], *, scheme: str) -> Content:
    relations = [
        r
        for r in _relations(person, as_of)
        if r.insurance == Insurance.PENSION and r.scheme == scheme
    ]
    institution = scheme == Scheme.INSTITUTION
    kind = Kind.INSTITUTION_PENSION if institution else Kind.PENSION_VOUCHER
    if not relations:
        raise _no_record(
            "没有查到您的机关事业单位养老保险参保记录，不能出具缴费证明"
            if institution
            else "没有查到您的企业职工基本养老保险参保记录，不能出具参保缴费凭证"
        )
    start = relations[0].start_month
    months = [
        m
        for m in _person_months(person, relations, start, as_of)
        if m.insurance == Insurance.PENSION
    ]
    paid = sum(1 for m in months if m.paid)
    account = _personal_account_fen(months)
    place = relations[-1].district.name
    return Content(
        kind=kind,
        holder_name=person.name,
        holder_code=person.id_number,
        holder_masked=_person_masked(person),
        period_start=start,
        period_end=as_of,
        fields=[
            *_person_fields(person),
            ("参保地", place),
            ("累计缴费月数", f"{paid} 个月（已缴清）"),
            ("个人账户缴费累计", f"{_yuan(account)} 元（本金，不含记账利息）"),
        ],
        sections=[
            Section("养老保险参保情况", RELATION_COLUMNS, _relation_rows(relations, as_of)),
            Section("养老保险缴费情况（按年度）", YEAR_COLUMNS, _by_year(months)),
        ],
        summary=f"养老保险累计缴费 {paid} 个月；证明期间 {start.label()}至{as_of.label()}",
        options=options,
        notes=[
            "本凭证用于机关事业单位养老保险关系转移接续或个人留存。"
            if institution
            else "本凭证用于基本养老保险关系转移接续：请持本凭证到新参保地社会保险经办机构申请转入。"
        ],
    )


def _receipt_for(*, payer_code: str, number: str):
    from shebao.payments.models import Receipt

    receipts = Receipt.objects.select_related("bill").filter(payer_code=payer_code)
    if number:
        receipt = receipts.filter(number=number.strip().upper()).first()
        if receipt is None:
            raise NotFound(
                "未找到该缴费凭证号的缴费记录", code="CERT_RECEIPT_NOT_FOUND", field="receipt"
            )
        return receipt
    receipt = receipts.order_by("-paid_at", "-id").first()
    if receipt is None:
        raise _no_record("没有查到缴费记录，不能出具缴费凭证")
    return receipt


def _payment_voucher(holder: Person | Unit, options: dict[str, str]) -> Content:
    from shebao.payments.models import Channel

    is_person = isinstance(holder, Person)
    code = holder.id_number if is_person else holder.credit_code
    receipt = _receipt_for(payer_code=code, number=options.get("receipt", ""))
    bill = receipt.bill
    options = {**options, "receipt": receipt.number}
    fields = (
        _person_fields(holder)
        if is_person
        else [("单位名称", holder.name), ("统一社会信用代码", holder.credit_code)]
    )
    fields += [
        ("凭证号", receipt.number),
        ("征集单号", bill.number),
        ("费款所属年月", bill.month.label()),
        ("缴费金额", f"{_yuan(receipt.amount_fen)} 元"),
        ("缴费渠道", dict(Channel.choices).get(receipt.channel, receipt.channel)),
        ("缴费时间", f"{_local(receipt.paid_at):%Y-%m-%d %H:%M}"),
    ]
    return Content(
        kind=Kind.PAYMENT_VOUCHER,
        holder_name=holder.name,
        holder_code=code,
        holder_masked=_person_masked(holder)
        if is_person
        else f"{holder.name}（{mask_credit_code(code)}）",
        period_start=bill.month,
        period_end=bill.month,
        fields=fields,
        sections=[],
        summary=f"{bill.month.label()} 社会保险费 {_yuan(receipt.amount_fen)} 元，凭证号 {receipt.number}",
        options=options,
    )


def _local(moment: datetime) -> datetime:
    from django.utils import timezone

    return timezone.localtime(moment)


# --- the unit's records ----------------------------------------------------------------------


def _unit_rights(unit: Unit, as_of: YearMonth, options: dict[str, str]) -> Content:
    bills = Bill.objects.filter(unit=unit, month__lte=as_of)
    if options.get("month"):
        month = YearMonth.parse(options["month"], field="month")
        if month > as_of:
            raise InvalidInput("证明年月不能晚于本月", code="CERT_PERIOD_INVALID", field="month")
        bill = bills.filter(month=month).first()
        if bill is None:
            raise _no_record(f"{month.label()}尚未核定缴费，不能出具该月的单位权益单")
    else:
        bill = bills.order_by("-month").first()
        if bill is None:
            raise _no_record("本单位尚无核定缴费记录，不能出具单位权益单")
    month = bill.month
    first = YearMonth.from_index(month.index - UNIT_RIGHTS_MONTHS + 1)
    by_month = list(
        bills.filter(month__gte=first, month__lte=month)
        .order_by("month")
        .values_list(
            "month",
            "unit_total_fen",
            "individual_total_fen",
            "adjustment_unit_fen",
            "adjustment_individual_fen",
            "status",
        )
    )
    persons = (
        ContributionLine.objects.filter(month=month, payer_kind=PayerKind.UNIT, payer_id=unit.pk)
        .values("person__name", "person__id_number")
        .annotate(n=Count("id"), unit=Sum("unit_fen"), individual=Sum("individual_fen"))
        .order_by("person__name", "person__id_number")
    )
    pension_base = dict(
        ContributionLine.objects.filter(
            month=month, payer_kind=PayerKind.UNIT, payer_id=unit.pk, insurance=Insurance.PENSION
        ).values_list("person__id_number", "base_fen")
    )
    staff_rows = [
        (
            p["person__name"],
            mask_id_number(p["person__id_number"]),
            f"{p['n']}",
            _yuan(pension_base[p["person__id_number"]])
            if p["person__id_number"] in pension_base
            else "—",
            _yuan(p["unit"]),
            _yuan(p["individual"]),
        )
        for p in persons
    ]
    statuses = dict(Bill.Status.choices)
    month_rows = [
        (
            m.label(),
            _yuan(u + au),
            _yuan(i + ai),
            _yuan(u + au + i + ai),
            statuses.get(status, status),
        )
        for m, u, i, au, ai, status in by_month
    ]
    paid = sum(1 for row in by_month if row[5] == Bill.Status.PAID)
    return Content(
        kind=Kind.UNIT_RIGHTS,
        holder_name=unit.name,
        holder_code=unit.credit_code,
        holder_masked=f"{unit.name}（{mask_credit_code(unit.credit_code)}）",
        period_start=by_month[0][0] if by_month else month,
        period_end=month,
        fields=[
            ("单位名称", unit.name),
            ("统一社会信用代码", unit.credit_code),
            ("参保地", unit.district.name),
            ("证明年月", month.label()),
            ("参保缴费人数", f"{len(staff_rows)} 人"),
            ("当月应缴合计", f"{_yuan(bill.total_fen)} 元（{bill.get_status_display()}）"),
        ],
        sections=[
            Section(
                f"缴费情况（{first.label()}起，按月）",
                [
                    pdf.Column("费款所属年月", 30),
                    pdf.Column("单位缴费（元）", 36, "right"),
                    pdf.Column("个人缴费（元）", 36, "right"),
                    pdf.Column("合计（元）", 36, "right"),
                    pdf.Column("状态", 0, "center"),
                ],
                month_rows,
            ),
            Section(
                f"{month.label()}参保缴费人员",
                [
                    pdf.Column("姓名", 24),
                    pdf.Column("公民身份号码", 40),
                    pdf.Column("险种数", 16, "right"),
                    pdf.Column("养老缴费基数", 28, "right"),
                    pdf.Column("单位缴费（元）", 32, "right"),
                    pdf.Column("个人缴费（元）", 0, "right"),
                ],
                staff_rows,
                empty="当月无参保缴费人员",
            ),
        ],
        summary=(
            f"{month.label()}参保缴费 {len(staff_rows)} 人；"
            f"近 {len(by_month)} 个月中已缴清 {paid} 个月"
        ),
        options={**options, "month": str(month)},
        notes=["人员公民身份号码已隐去出生日期。金额含以前月份补退（多退少补）。"],
    )


# Contents that other apps build from their own records (the card's 领卡证明 from the cards
# app): ``kind → builder(person, as_of, options)``. The builders register at start-up, so this
# app never imports the apps whose records they read.
ContentBuilder = Callable[[Person, YearMonth, dict[str, str]], Content]
CONTENT_BUILDERS: dict[str, ContentBuilder] = {}


def content_register(kind: str) -> Callable[[ContentBuilder], ContentBuilder]:
    """Register the builder of a person's ``kind`` content (one per kind)."""

    def register(builder: ContentBuilder) -> ContentBuilder:
        if kind in CONTENT_BUILDERS and CONTENT_BUILDERS[kind] is not builder:
            raise RuntimeError(f"certificate content {kind!r} registered twice")
        CONTENT_BUILDERS[kind] = builder
        return builder

    return register


def content_for(
    *,
    kind: str,
    as_of: YearMonth,
    person: Person | None = None,
    unit: Unit | None = None,
    options: dict[str, str] | None = None,
) -> Content:
    """The content of a ``kind`` certificate of ``person`` (or ``unit``) as of ``as_of``."""
    options = dict(options or {})
    if kind == Kind.UNIT_RIGHTS:
        assert unit is not None
        return _unit_rights(unit, as_of, options)
    if kind == Kind.PAYMENT_VOUCHER:
        holder = person if person is not None else unit
        assert holder is not None
        return _payment_voucher(holder, options)
    assert person is not None
    if kind in CONTENT_BUILDERS:
        return CONTENT_BUILDERS[kind](person, as_of, options)
    if kind == Kind.PARTICIPATION:
        return _participation(person, as_of, options)
    if kind == Kind.RIGHTS:
        return _rights(person, as_of, options)
    if kind == Kind.PENSION_VOUCHER:
        return _pension(person, as_of, options, scheme=Scheme.EMPLOYEE)
    if kind == Kind.INSTITUTION_PENSION:
        return _pension(person, as_of, options, scheme=Scheme.INSTITUTION)
    raise InvalidInput("不支持的证明类型", code="CERT_KIND_UNKNOWN", field="kind")


# --- the file --------------------------------------------------------------------------------


def render(
    content: Content, *, number: str, issued_at: datetime, verify_code: str, verify_url: str
) -> bytes:
    """The certificate's PDF (unsigned): title, number and dates, what it certifies, and the
    verification block (QR code of ``verify_url``, the code, how to check)."""
    agency = settings.SHEBAO_AGENCY_NAME
    issued = _local(issued_at)
    document = pdf.PdfDocument(
        title=f"{content.title} {number}",
        author=agency,
        subject=content.title,
        keywords=f"shebao-certificate:{number}",
        footer=f"{agency} · {content.title} · 编号 {number}",
    )
    document.title(content.title)
    document.space()
    period = ""
    if content.period_start and content.period_end:
        period = (
            content.period_end.label()
            if content.period_start == content.period_end
            else f"{content.period_start.label()}至{content.period_end.label()}"
        )
    head = [("证明编号", number), ("出具日期", f"{issued:%Y年%m月%d日}")]
    if period:
        head.append(("证明期间", period))
    head.append(("出具机构", agency))
    document.fields(head + content.fields, label_width=36 * pdf.mm)
    for section in content.sections:
        document.heading(section.heading)
        document.table(section.columns, section.rows, empty=section.empty)
        if section.note:
            document.paragraph(section.note, size=pdf.SMALL_SIZE)
    for note in content.notes:
        document.paragraph(note, size=pdf.SMALL_SIZE, gray=0.3)
    document.space(4 * pdf.mm)
    code = "-".join(verify_code[i : i + 4] for i in range(0, len(verify_code), 4))
    document.qr_code(
        verify_url,
        caption=[
            f"验证码：{code}",
            f"核验地址：{verify_url}",
            "扫描二维码或访问核验地址，可查验本证明的真伪和是否仍然有效；也可上传本PDF文件核验电子签名。",
            f"本证明由{agency}根据社会保险记录出具，并加盖电子签名，与纸质证明具有同等效力；"
            "经涂改的文件签名失效。",
        ],
    )
    return document.build()
