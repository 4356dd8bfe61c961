"""The bank's month-end deduction (银行代扣): agreements, the deduction file out, the result
file in, reconciled to the fen set-based.

File formats (UTF-8 CSV, comma-separated, no quoting needed: no field holds a comma; amounts
are yuan with two decimals; one header line, then one line per bill):

Deduction file (代扣文件, the hall → the bank)::

    H,<batch number>,<bank code>,<month YYYY-MM>,<row count>,<total>
    D,<seq>,<bill number>,<account number>,<account name>,<amount>

Result file (回盘文件, the bank → the hall), the same header, then per row deducted or not::

    H,<batch number>,<bank code>,<month YYYY-MM>,<row count>,<total>
    R,<seq>,<bill number>,<account number>,<amount>,<code>,<message>,<bank reference>

Result codes: ``00`` deducted; ``51`` 余额不足; ``62`` 账户冻结; ``14`` 账户不存在或已销户;
any other code is a failure with the bank's message.

Reconciliation stages the result rows in a table (COPY on PostgreSQL) and joins them to the
batch's rows and the bills in SQL: a row is *paid* when it matches its batch row (sequence,
bill, account and amount to the fen), the bank says ``00`` and the bill is not paid yet;
otherwise it is listed with why, and its bill stays unpaid. Importing the same file again is a
no-op (its SHA-256 is unique), and a payment is keyed by the batch and the row, so even another
file with the same rows pays nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from shebao.common.errors import InvalidInput, NotFound
from shebao.common.money import from_fen, money_str, to_decimal, to_fen
from shebao.common.periods import YearMonth
from shebao.contributions.dues import due_fen_sql, dues_of, overdue_q
from shebao.contributions.models import Bill, PayerKind
from shebao.payments.access import finance_districts, finance_require
from shebao.payments.models import (
    BankBatch,
    BankBatchRow,
    BankResultImport,
    BankResultRow,
    Channel,
    DeductionAgreement,
    Outcome,
    Payment,
    Receipt,
)

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.registry.models import Person, Region, Unit

OK = "00"
RESULT_MESSAGES = {OK: "扣款成功", "51": "余额不足", "62": "账户冻结", "14": "账户不存在或已销户"}
# Rows staged per INSERT statement where COPY is not available (SQLite).
STAGE_CHUNK = 5_000


# --- agreements ----------------------------------------------------------------------------------


@transaction.atomic
def agreement_sign(
    *,
    actor: Actor | None,
    bank_code: str,
    account_number: str,
    account_name: str,
    unit: Unit | None = None,
    person: Person | None = None,
    signed_on: date | None = None,
    bank_outcome: str = "",
) -> DeductionAgreement:
    """Record a payer's deduction agreement (代扣协议) with a bank; it replaces the payer's
    agreement in force. A card number (16–19 digits) must pass the Luhn check."""
    from shebao.common.identifiers import normalize_bank_account, normalize_bank_card

    if (unit is None) == (person is None):
        raise InvalidInput("须指定签约的单位或个人", code="PAYER_REQUIRED")
    if actor is not None:
        finance_require(actor, district=(unit or person).district_id or None)
    digits = "".join((account_number or "").split())
    account = (
        normalize_bank_card(digits, field="account_number")
        if 16 <= len(digits) <= 19
        else normalize_bank_account(digits, field="account_number")
    )
    bank = (bank_code or "").strip().upper()
    if not bank or not bank.isalnum() or len(bank) > 12:
        raise InvalidInput("请填写代扣银行代码", code="BANK_REQUIRED", field="bank_code")
    if not (account_name or "").strip() or "," in account_name:
        raise InvalidInput("请填写账户名称", code="ACCOUNT_NAME_REQUIRED", field="account_name")
    kind = PayerKind.UNIT if unit is not None else PayerKind.SELF
    payer_id = (unit or person).pk
    DeductionAgreement.objects.filter(
        payer_kind=kind, payer_id=payer_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    return DeductionAgreement.objects.create(
        payer_kind=kind,
        payer_id=payer_id,
        unit=unit,
        person=person,
        bank_code=bank,
        account_number=account,
        account_name=account_name.strip()[:100],
        bank_outcome=bank_outcome,
        signed_on=signed_on or timezone.localdate(),
        recorded_by=actor.user if actor is not None else None,
    )


# --- the file format ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    batch: str
    bank: str
    month: str
    count: int
    total_fen: int

    def line(self) -> list[str]:
        return ["H", self.batch, self.bank, self.month, str(self.count), _yuan(self.total_fen)]


@dataclass(frozen=True)
class ExportRow:
    seq: int
    bill: str
    account: str
    name: str
    amount_fen: int


def _yuan(fen: int) -> str:
    return money_str(from_fen(fen))


# An amount as this module writes it (yuan, two decimals): read straight into fen.
PLAIN_AMOUNT = re.compile(r"([0-9]{1,15})\.([0-9]{2})", re.ASCII)


def _fen(text: str, *, line: int) -> int:
    plain = PLAIN_AMOUNT.fullmatch(text)
    if plain is not None:
        return int(plain[1]) * 100 + int(plain[2])
    try:
        value = to_decimal(text, field="amount")
    except InvalidInput:
        value = None
    if value is None or value < 0 or value != value.quantize(Decimal("0.01")):
        raise InvalidInput(
            f"第{line}行：金额“{text}”不是精确到分的金额", code="BANK_FILE_MALFORMED"
        )
    return to_fen(value.quantize(Decimal("0.01")))


def _lines(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text)) if row]


def _header(row: list[str]) -> Header:
    if len(row) != 6 or row[0] != "H" or not row[4].isdigit():
        raise InvalidInput(
            "第1行应为文件头：H,批次号,银行,年月,笔数,金额", code="BANK_FILE_MALFORMED"
        )
    return Header(row[1], row[2], row[3], int(row[4]), _fen(row[5], line=1))


def parse_export(text: str) -> tuple[Header, list[ExportRow]]:
    lines = _lines(text)
    if not lines:
        raise InvalidInput("文件为空", code="BANK_FILE_MALFORMED")
    header = _header(lines[0])
    rows = []
    for number, row in enumerate(lines[1:], start=2):
        if len(row) != 6 or row[0] != "D" or not row[1].isdigit():
            raise InvalidInput(f"第{number}行格式不正确", code="BANK_FILE_MALFORMED")
        rows.append(ExportRow(int(row[1]), row[2], row[3], row[4], _fen(row[5], line=number)))
    return header, rows


def result_text(header: Header, results: list[tuple[ExportRow, str, str, str]]) -> str:
    """A result file: the export's header, and per row its code, message and reference."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header.line())
    for row, code, message, ref in results:
        writer.writerow(
            ["R", row.seq, row.bill, row.account, _yuan(row.amount_fen), code, message, ref]
        )
    return out.getvalue()


# --- export --------------------------------------------------------------------------------------


def _batch_number(region: Region, month: YearMonth, bank: str) -> str:
    return f"DK{month.year:04d}{month.month:02d}{region.code}{bank}"[:24]


@transaction.atomic
def batch_export(
    *, actor: Actor | None, region: Region, month: YearMonth, bank_code: str
) -> tuple[BankBatch, bool]:
    """The month's deduction file for ``bank_code``: every unpaid bill of ``month`` in
    ``region`` whose payer has an agreement in force with the bank, for the amount due today
    (:mod:`shebao.contributions.dues`), in one INSERT … SELECT. One batch per region, month and bank: asking
    again returns it (``created`` False)."""
    bank = (bank_code or "").strip().upper()
    if actor is not None:
        finance_require(actor, district=None)
    existing = BankBatch.objects.filter(region=region, month=month, bank_code=bank).first()
    if existing is not None:
        return existing, False
    bills = Bill.objects.filter(region=region, month=month, status__in=Bill.OPEN)
    if actor is not None:
        codes = finance_districts(actor)
        bills = bills.filter(Q(unit__district_id__in=codes) | Q(person__district_id__in=codes))
    in_force = DeductionAgreement.objects.filter(
        bank_code=bank,
        revoked_at__isnull=True,
        payer_kind=OuterRef("payer_kind"),
        payer_id=OuterRef("payer_id"),
    )
    bills = bills.filter(Exists(in_force)).order_by()
    today = timezone.localdate()
    # An overdue bill owes a late fee, from the one calculation (dues_of, bill by bill; they
    # are few); every other bill's amount due is the same rule's SQL expression (due_fen_sql).
    overdue = list(bills.filter(overdue_q(today)).values_list("pk", flat=True))
    late = [(pk, due.due_fen) for pk, due in dues_of(overdue, on=today).items()]
    payable = bills.exclude(overdue_q(today)).annotate(due=due_fen_sql(on=today))
    batch = BankBatch.objects.create(
        number=_batch_number(region, month, bank),
        region=region,
        month=month,
        bank_code=bank,
        created_by=actor.user if actor is not None else None,
        created_at=timezone.now(),
    )
    _export_rows(batch=batch, payable=payable.values_list("pk", "due"), late=late)
    totals = BankBatchRow.objects.filter(batch=batch).aggregate(n=Count("pk"), s=Sum("amount_fen"))
    batch.row_count = totals["n"]
    batch.total_fen = totals["s"] or 0
    batch.save(update_fields=["row_count", "total_fen"])
    return batch, True


# The amounts due of a batch's overdue bills, late fee included: a temporary table of the
# connection that the INSERT … SELECT of the batch's rows reads.
LATE = "bank_batch_late"


def _export_rows(*, batch: BankBatch, payable: QuerySet[Any], late: list[tuple[int, int]]) -> None:
    """The batch's rows in one INSERT … SELECT: each bill with something due, numbered in the
    order of the bill numbers, for its amount due — ``payable`` gives (bill, amount due) of the
    bills not overdue, ``late`` those of the overdue ones."""
    b = _table(BankBatchRow)
    bill = _table(Bill)
    agreement = _table(DeductionAgreement)
    payable_sql, payable_params = payable.query.sql_with_params()
    with connection.cursor() as cursor:
        x = cursor.execute
        x(f"DROP TABLE IF EXISTS {LATE}")
        x(f"CREATE TEMPORARY TABLE {LATE} (bill_id BIGINT PRIMARY KEY, due_fen BIGINT NOT NULL)")
        for start in range(0, len(late), STAGE_CHUNK):
            chunk = late[start : start + STAGE_CHUNK]
            values = ",".join(["(%s,%s)"] * len(chunk))
            x(
                f"INSERT INTO {LATE} (bill_id, due_fen) VALUES {values}",
                [v for r in chunk for v in r],
            )
        x(
            f"WITH d (bill_id, due_fen) AS ({payable_sql} UNION ALL SELECT bill_id, due_fen "
            f"FROM {LATE}) INSERT INTO {b} (batch_id, seq, bill_id, agreement_id, "
            "account_number, amount_fen) SELECT %s, ROW_NUMBER() OVER (ORDER BY bl.number), "
            f"bl.id, a.id, a.account_number, d.due_fen FROM d JOIN {bill} bl ON bl.id = "
            f"d.bill_id JOIN {agreement} a ON a.payer_kind = bl.payer_kind AND a.payer_id = "
            "bl.payer_id AND a.bank_code = %s AND a.revoked_at IS NULL WHERE d.due_fen > 0",
            [*payable_params, batch.pk, batch.bank_code],
        )
        x(f"DROP TABLE {LATE}")


def batch_file(batch: BankBatch) -> str:
    """The batch's deduction file (format above)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    month = str(batch.month)
    writer.writerow(
        Header(batch.number, batch.bank_code, month, batch.row_count, batch.total_fen).line()
    )
    rows = (
        BankBatchRow.objects.filter(batch=batch)
        .order_by("seq")
        .values_list(
            "seq", "bill__number", "account_number", "agreement__account_name", "amount_fen"
        )
    )
    for seq, bill, account, name, fen in rows.iterator(chunk_size=STAGE_CHUNK):
        writer.writerow(["D", seq, bill, account, name, _yuan(fen)])
    return out.getvalue()


# --- import and reconciliation -----------------------------------------------------------------


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _parse_result(data: bytes) -> tuple[Header, list[tuple[Any, ...]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("回盘文件须为 UTF-8 编码的文本", code="BANK_FILE_MALFORMED") from None
    lines = _lines(text)
    if not lines:
        raise InvalidInput("回盘文件为空", code="BANK_FILE_MALFORMED")
    header = _header(lines[0])
    rows = []
    for number, row in enumerate(lines[1:], start=2):
        if len(row) != 8 or row[0] != "R" or not row[1].isdigit() or not row[5]:
            raise InvalidInput(
                f"第{number}行格式不正确：应为 R,序号,征集单号,账号,金额,结果码,说明,银行流水号",
                code="BANK_FILE_MALFORMED",
            )
        rows.append(
            (
                number,
                int(row[1]),
                row[2][:24],
                row[3][:30],
                _fen(row[4], line=number),
                row[5][:4],
                row[6][:60],
                row[7][:40],
            )
        )
    if len(rows) != header.count:
        raise InvalidInput(
            f"文件头笔数 {header.count} 与明细行数 {len(rows)} 不符", code="BANK_FILE_MALFORMED"
        )
    return header, rows


# The file's rows as read, before reconciliation: a temporary table of the connection, so that
# each row is written to the staged rows once, with its outcome (INSERT … SELECT below).
INCOMING = "bank_result_incoming"
INCOMING_COLUMNS = "line, seq, bill_number, account_number, amount_fen, code, message, bank_ref"


def _stage(rows: list[tuple[Any, ...]]) -> None:
    """Put the file's rows into the temporary table: COPY on PostgreSQL, multi-row INSERTs
    elsewhere."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {INCOMING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {INCOMING} (line INTEGER NOT NULL, seq INTEGER NOT NULL, "
            "bill_number VARCHAR(24) NOT NULL, account_number VARCHAR(30) NOT NULL, "
            "amount_fen BIGINT NOT NULL, code VARCHAR(4) NOT NULL, message VARCHAR(60) NOT NULL, "
            "bank_ref VARCHAR(40) NOT NULL)"
        )
        if connection.vendor == "postgresql":
            raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
            with raw.copy(f"COPY {INCOMING} ({INCOMING_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {INCOMING}")
            return
        for start in range(0, len(rows), STAGE_CHUNK):
            chunk = rows[start : start + STAGE_CHUNK]
            values = ",".join(["(%s,%s,%s,%s,%s,%s,%s,%s)"] * len(chunk))
            params = [v for row in chunk for v in row]
            cursor.execute(f"INSERT INTO {INCOMING} ({INCOMING_COLUMNS}) VALUES {values}", params)


def _reconcile(*, result: BankResultImport, batch: BankBatch, actor_user_id: int | None) -> None:
    """Set-based: join the file's rows to the batch's rows and bills, stage each with its
    outcome, insert the payments and receipts, mark the settled bills paid."""
    t = _table(BankResultRow)
    b = _table(BankBatchRow)
    bill = _table(Bill)
    pay = _table(Payment)
    rec = _table(Receipt)
    now = timezone.now()
    today = timezone.localdate(now)

    def ref(alias: str) -> str:  # a bank payment's reference: the batch number and the row
        return f"%s || ':' || CAST({alias}.seq AS VARCHAR(10))"

    with connection.cursor() as cursor:
        x = cursor.execute
        if connection.vendor == "postgresql":
            # Lock the batch's bills against a payment through another channel meanwhile.
            x(
                f"SELECT id FROM {bill} WHERE id IN (SELECT bill_id FROM {b} WHERE batch_id = %s) "
                "ORDER BY id FOR UPDATE",
                [batch.pk],
            )
        # The staged rows, each with its outcome, in one pass: the first rule that holds
        # decides. Not in the file sent (sequence, bill and account) → unknown; a sequence
        # already on an earlier line of this file → repeated; another amount → mismatch; the
        # bank's code not 00 → failed; already paid by an earlier file → repeated; the bill paid
        # meanwhile → settled; otherwise paid.
        x(
            f"INSERT INTO {t} (result_id, {INCOMING_COLUMNS}, bank_row_id, outcome) "
            "SELECT %s, x.line, x.seq, x.bill_number, x.account_number, x.amount_fen, x.code, "
            "x.message, x.bank_ref, m.id, CASE WHEN m.id IS NULL THEN %s "
            "WHEN ROW_NUMBER() OVER (PARTITION BY x.seq ORDER BY x.line) > 1 THEN %s "
            "WHEN x.amount_fen <> m.amount_fen THEN %s WHEN x.code <> %s THEN %s "
            "WHEN p.id IS NOT NULL THEN %s WHEN m.status = %s THEN %s ELSE %s END "
            f"FROM {INCOMING} x LEFT JOIN (SELECT r.id, r.seq, r.account_number, r.amount_fen, "
            f"bl.number, bl.status FROM {b} r JOIN {bill} bl ON bl.id = r.bill_id "
            "WHERE r.batch_id = %s) m ON m.seq = x.seq AND m.number = x.bill_number "
            f"AND m.account_number = x.account_number LEFT JOIN {pay} p ON p.channel = %s "
            f"AND p.reference = {ref('x')}",
            [
                result.pk,
                Outcome.UNKNOWN,
                Outcome.REPEATED,
                Outcome.MISMATCH,
                OK,
                Outcome.FAILED,
                Outcome.REPEATED,
                Bill.Status.PAID,
                Outcome.SETTLED,
                Outcome.PAID,
                batch.pk,
                Channel.BANK,
                batch.number,
            ],
        )
        x(f"DROP TABLE {INCOMING}")
        if connection.vendor == "postgresql":
            # Fresh statistics of the staged rows with their outcomes, so that the joins below
            # are planned for the file's size (ANALYZE runs inside the import's transaction).
            x(f"ANALYZE {t}")
        payments_sql = (
            f"INSERT INTO {pay} (bill_id, channel, reference, amount_fen, order_id, paid_at, "
            f"recorded_by_id, note) SELECT r.bill_id, %s, {ref(t)}, {t}.amount_fen, NULL, %s, %s, "
            f"{t}.bank_ref FROM {t} JOIN {b} r ON r.id = {t}.bank_row_id "
            f"WHERE {t}.result_id = %s AND {t}.outcome = %s "
            "ON CONFLICT (channel, reference) DO NOTHING"
        )
        payments_params = [Channel.BANK, batch.number, now, actor_user_id, result.pk, Outcome.PAID]
        day = timezone.localtime(now).strftime("%Y%m%d")
        receipts_sql = (
            f"INSERT INTO {rec} (number, payment_id, bill_id, payer_kind, payer_code, "
            "payer_name, amount_fen, channel, paid_at) SELECT 'PZ' || %s || {number}, p.id, "
            "p.bill_id, bl.payer_kind, COALESCE(u.credit_code, pe.id_number), "
            "COALESCE(u.name, pe.name), p.amount_fen, p.channel, p.paid_at FROM {source} p "
            f"JOIN {bill} bl ON bl.id = p.bill_id "
            "LEFT JOIN registry_unit u ON u.id = bl.unit_id "
            "LEFT JOIN registry_person pe ON pe.id = bl.person_id {where}"
        )
        if connection.vendor == "postgresql":
            # One statement: the receipts of exactly the payments it inserts.
            x(
                f"WITH p AS ({payments_sql} RETURNING id, bill_id, amount_fen, channel, paid_at) "
                + receipts_sql.format(
                    number="lpad(CAST(p.id AS VARCHAR(20)), 10, '0')", source="p", where=""
                ),
                [*payments_params, day],
            )
        else:
            x(payments_sql, payments_params)
            x(
                receipts_sql.format(
                    number="printf('%%010d', p.id)",
                    source=pay,
                    where=(
                        f"WHERE p.channel = %s AND p.bill_id IN (SELECT r.bill_id FROM {t} "
                        f"JOIN {b} r ON r.id = {t}.bank_row_id WHERE {t}.result_id = %s AND "
                        f"{t}.outcome = %s) AND NOT EXISTS (SELECT 1 FROM {rec} e "
                        "WHERE e.payment_id = p.id)"
                    ),
                ),
                [day, Channel.BANK, result.pk, Outcome.PAID],
            )
        # A bill not yet overdue owes its total (and a back-payment's late fee of its past
        # months): paid when the payments cover it (one statement, the payments of the bills
        # paid now summed once, by bill).
        x(
            f"UPDATE {bill} SET status = %s, updated_at = %s FROM (SELECT p.bill_id, "
            f"SUM(p.amount_fen) AS paid_fen FROM {pay} p WHERE p.bill_id IN (SELECT r.bill_id "
            f"FROM {t} JOIN {b} r ON r.id = {t}.bank_row_id WHERE {t}.result_id = %s AND "
            f"{t}.outcome = %s) GROUP BY p.bill_id) s WHERE {bill}.id = s.bill_id AND "
            f"{bill}.status <> %s AND COALESCE({bill}.deferred_to, {bill}.due_date) >= %s AND "
            f"{bill}.unit_total_fen + {bill}.individual_total_fen + {bill}.adjustment_unit_fen "
            f"+ {bill}.adjustment_individual_fen + {bill}.backpay_late_fee_fen "
            f"+ {bill}.backpay_interest_fen <= s.paid_fen",
            [Bill.Status.PAID, now, result.pk, Outcome.PAID, Bill.Status.PAID, today],
        )
        # An overdue one owes its late fee too: the amount due says whether it is covered.
        x(
            f"SELECT id FROM {bill} WHERE status <> %s AND id IN "
            f"(SELECT r.bill_id FROM {t} JOIN {b} r ON r.id = {t}.bank_row_id "
            f"WHERE {t}.result_id = %s AND {t}.outcome = %s)",
            [Bill.Status.PAID, result.pk, Outcome.PAID],
        )
        overdue = [row[0] for row in cursor.fetchall()]
    settled = [pk for pk, due in dues_of(overdue, on=today).items() if due.due_fen == 0]
    Bill.objects.filter(pk__in=settled).update(status=Bill.Status.PAID, updated_at=now)


def result_import(
    *, actor: Actor | None, data: bytes, filename: str = ""
) -> tuple[BankResultImport, bool]:
    """Import the bank's result file of a batch and reconcile it (format and rules above).
    The same file again returns the first import (``created`` False) and writes nothing; a
    malformed file is refused whole."""
    if actor is not None:
        finance_require(actor, district=None)
    digest = hashlib.sha256(data).hexdigest()
    done = BankResultImport.objects.filter(sha256=digest).first()
    if done is not None:
        return done, False
    header, rows = _parse_result(data)
    with transaction.atomic():
        batch = BankBatch.objects.select_for_update().filter(number=header.batch).first()
        if batch is None:
            raise NotFound(f"未找到代扣批次 {header.batch}", code="BATCH_NOT_FOUND")
        if BankResultImport.objects.filter(sha256=digest).exists():  # raced: imported meanwhile
            return BankResultImport.objects.get(sha256=digest), False
        result = BankResultImport.objects.create(
            batch=batch,
            sha256=digest,
            filename=filename[:200],
            row_count=len(rows),
            imported_by=actor.user if actor is not None else None,
            imported_at=timezone.now(),
        )
        _stage(rows)
        _reconcile(
            result=result, batch=batch, actor_user_id=actor.user.pk if actor is not None else None
        )
        counts = BankResultRow.objects.filter(result=result).aggregate(
            paid=Count("pk", filter=Q(outcome=Outcome.PAID)),
            paid_fen=Sum("amount_fen", filter=Q(outcome=Outcome.PAID)),
            failed=Count("pk", filter=~Q(outcome=Outcome.PAID)),
        )
        result.paid_count = counts["paid"]
        result.paid_fen = counts["paid_fen"] or 0
        result.failed_count = counts["failed"]
        result.save(update_fields=["paid_count", "paid_fen", "failed_count"])
        totals = Payment.objects.filter(
            channel=Channel.BANK, reference__startswith=f"{batch.number}:"
        ).aggregate(n=Count("pk"), s=Sum("amount_fen"))
        batch.paid_count = totals["n"]
        batch.paid_fen = totals["s"] or 0
        batch.failed_count = batch.row_count - batch.paid_count
        batch.status = BankBatch.Status.RECONCILED
        batch.save(update_fields=["paid_count", "paid_fen", "failed_count", "status"])
    return result, True


def batch_round_trip(*, actor: Actor | None, batch: BankBatch) -> BankResultImport:
    """The whole round trip with the local bank: the file out, the local bank's result in."""
    from shebao.payments.localbank import deduction_run

    text = deduction_run(batch_file(batch))
    result, _ = result_import(
        actor=actor, data=text.encode("utf-8"), filename=f"{batch.number}-result.csv"
    )
    return result
