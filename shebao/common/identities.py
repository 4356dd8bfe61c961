"""Finding (and repairing) stored identifiers that are not in their one spelling.

Before identifiers were folded at the edge (:mod:`shebao.common.identifiers`), a full-width or
other-script spelling could be stored as it was typed: a second account and a second pending
person for one real person, a mobile number that no limit or lookup recognises. This module
scans every column that holds an identifier and reports:

- **misspelled** rows: the stored value is not its own normal form (repairable when the normal
  form is valid and, in a column that identifies one record, no other row already has it);
- **duplicates**: rows of a column that identifies one record (a person, a unit, an
  individual account) whose values are different spellings of one identity. These need a
  person to merge the records; the repair never touches them.

The scan is two set-based queries per column: the rows whose value does not match the ASCII
pattern of the normal form (few, on a healthy database), then the rows holding those values'
normal forms. ``manage.py identities_check`` prints the report (``--repair`` rewrites the
repairable rows) and ``manage.py check --database default`` runs it as a system check.

Columns are named as ``app_label.Model`` strings, so this lowest layer imports no domain app.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q

from shebao.common.errors import InvalidInput
from shebao.common.identifiers import NORMALIZERS, SPELLINGS

# The ASCII shape of each kind's normal form; a stored value outside it is looked at closely.
_NORMAL_SHAPE = {
    "id_number": r"^[0-9]{17}[0-9X]$",
    "credit_code": r"^[0-9A-HJ-NPQRTUWXY]{18}$",
    "mobile": r"^1[3-9][0-9]{9}$",
}


@dataclass(frozen=True)
class IdentityColumn:
    model: str  # "app_label.Model"
    field: str
    kind: str  # a key of NORMALIZERS
    unique: bool = False  # one row per identity: two spellings there are two records
    repairable: bool = True  # False: a record kept as issued (a certificate)
    only: dict[str, Any] = field(default_factory=dict)  # filter: e.g. individual accounts

    @property
    def label(self) -> str:
        return f"{self.model}.{self.field}"


COLUMNS: tuple[IdentityColumn, ...] = (
    IdentityColumn("registry.Person", "id_number", "id_number", unique=True),
    IdentityColumn("registry.Person", "mobile", "mobile"),
    # Past versions of a person's basic information: kept as recorded, reported only.
    IdentityColumn("registry.PersonInfo", "id_number", "id_number", repairable=False),
    IdentityColumn("registry.PersonInfo", "mobile", "mobile", repairable=False),
    IdentityColumn("registry.Unit", "credit_code", "credit_code", unique=True),
    IdentityColumn("registry.Unit", "legal_rep_id_number", "id_number"),
    IdentityColumn(
        "accounts.User", "username", "id_number", unique=True, only={"kind": "individual"}
    ),
    IdentityColumn("accounts.User", "mobile", "mobile"),
    IdentityColumn("accounts.VerificationCode", "mobile", "mobile"),
    IdentityColumn("applications.Application", "subject_id_number", "id_number"),
    IdentityColumn("pki.UnitCertificate", "holder_id_number", "id_number", repairable=False),
    IdentityColumn("pki.UnitCertificate", "credit_code", "credit_code", repairable=False),
)


@dataclass
class Misspelled:
    column: IdentityColumn
    pk: Any
    stored: str
    normal: str | None  # None: no valid normal form (reported, never rewritten)
    blocked_by: list[Any] = field(default_factory=list)  # pks already holding the normal form

    @property
    def repairable(self) -> bool:
        return self.column.repairable and self.normal is not None and not self.blocked_by


@dataclass
class Duplicate:
    column: IdentityColumn
    normal: str
    pks: list[Any]  # every row of the column spelling this one identity


@dataclass
class IdentityReport:
    misspelled: list[Misspelled] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.misspelled and not self.duplicates


def _normal(kind: str, stored: str) -> str | None:
    try:
        return NORMALIZERS[kind](stored, field=None)
    except InvalidInput:
        return None


def _rows(column: IdentityColumn) -> Any:
    model = apps.get_model(column.model)
    return model._default_manager.filter(**column.only)


def column_scan(column: IdentityColumn) -> tuple[list[Misspelled], list[Duplicate]]:
    rows = _rows(column)
    odd = (
        rows.exclude(**{f"{column.field}__regex": _NORMAL_SHAPE[column.kind]})
        .exclude(**{column.field: ""})
        .values_list("pk", column.field)
    )
    found: list[Misspelled] = []
    for pk, stored in odd.iterator():
        normal = _normal(column.kind, stored)
        if normal == stored:  # e.g. a valid value the shape does not cover
            continue
        if normal is None and SPELLINGS[column.kind](stored) == stored:
            # Plain ASCII but invalid (a test number, a legacy record): not a spelling matter.
            continue
        found.append(Misspelled(column, pk, stored, normal))
    duplicates: list[Duplicate] = []
    if not found:
        return found, duplicates
    by_normal: dict[str, list[Misspelled]] = defaultdict(list)
    for row in found:
        if row.normal is not None:
            by_normal[row.normal].append(row)
    if column.unique and by_normal:
        holders: dict[str, list[Any]] = defaultdict(list)
        query = Q(**{f"{column.field}__in": list(by_normal)})
        for pk, value in rows.filter(query).values_list("pk", column.field):
            holders[value].append(pk)
        for normal, group in by_normal.items():
            for row in group:
                row.blocked_by = holders.get(normal, []) + [o.pk for o in group if o is not row]
            if len(group) + len(holders.get(normal, [])) > 1:
                duplicates.append(
                    Duplicate(column, normal, holders.get(normal, []) + [o.pk for o in group])
                )
    return found, duplicates


def identities_scan(columns: tuple[IdentityColumn, ...] = COLUMNS) -> IdentityReport:
    """Every misspelled identifier and every identity stored under two spellings."""
    report = IdentityReport()
    for column in columns:
        misspelled, duplicates = column_scan(column)
        report.misspelled.extend(misspelled)
        report.duplicates.extend(duplicates)
    return report


def identities_repair(report: IdentityReport) -> list[Misspelled]:
    """Rewrite every repairable misspelled row to its normal form, in one transaction; returns
    the rows rewritten. Duplicates and rows kept as issued are left for a person to decide."""
    done = []
    with transaction.atomic():
        for row in report.misspelled:
            if not row.repairable:
                continue
            model = apps.get_model(row.column.model)
            changed = model._default_manager.filter(
                pk=row.pk, **{row.column.field: row.stored}
            ).update(**{row.column.field: row.normal})
            if changed:
                done.append(row)
    return done
