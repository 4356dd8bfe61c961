"""Each region's consultation directory (咨询与约办目录) as data: the consultation hotline, each
department's appointment telephones and online groups, the service offices where appointments
are kept, and where paper materials are sent by post (seed 000, 附件1).

The directory is read from ``registry/data/directory.toml`` once per process. A district reads
its city's directory (the nearest region above it that has one); a region without one has none
(pages then say so). Hours are not here: they are policy (``calendar.office_hours``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DIRECTORY_FILE = Path(__file__).resolve().parent / "data" / "directory.toml"


@dataclass(frozen=True)
class Group:
    label: str  # what the group is for, or the districts it serves
    kind: str  # QQ群, QQ, 微信群 …
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class Contact:
    department: str
    name: str  # the section (处室) as the agency names it
    phones: tuple[str, ...]
    groups: tuple[Group, ...]
    note: str = ""


@dataclass(frozen=True)
class Office:
    """A service office (经办服务大厅) where appointments are kept."""

    code: str
    region: str  # the region whose directory lists it
    name: str
    address: str
    postal_code: str
    district: str
    departments: tuple[str, ...]


@dataclass(frozen=True)
class MailAddress:
    recipient: str  # with {office} for the receiving section
    address: str
    postal_code: str
    note: str  # with {matter} for the matter's name

    def recipient_for(self, section: str) -> str:
        return self.recipient.replace("{office}", section)

    def note_for(self, matter: str) -> str:
        return self.note.replace("{matter}", matter)


@dataclass(frozen=True)
class RegionDirectory:
    code: str
    hotline: str
    area_code: str
    source: str
    offices: tuple[Office, ...]
    contacts: tuple[Contact, ...]
    mail: MailAddress | None

    def contacts_of(self, department: str) -> list[Contact]:
        return [c for c in self.contacts if c.department == department]

    def section_of(self, department: str) -> str | None:
        """The section that handles ``department``'s matters (the first contact listed)."""
        found = self.contacts_of(department)
        return found[0].name if found else None

    def dial(self, number: str) -> str:
        """A number as dialled from outside the city (area code added to a local number)."""
        if "-" in number or not self.area_code or len(number) > 8:
            return number
        return f"{self.area_code}-{number}"


def _region(raw: dict) -> RegionDirectory:
    code = raw["code"]
    mail = raw.get("mail")
    return RegionDirectory(
        code=code,
        hotline=raw.get("hotline", ""),
        area_code=raw.get("area_code", ""),
        source=raw["source"],
        offices=tuple(
            Office(
                code=o["code"],
                region=code,
                name=o["name"],
                address=o["address"],
                postal_code=o.get("postal_code", ""),
                district=o["district"],
                departments=tuple(o.get("departments", [])),
            )
            for o in raw.get("office", [])
        ),
        contacts=tuple(
            Contact(
                department=c["department"],
                name=c["name"],
                phones=tuple(c.get("phones", [])),
                groups=tuple(
                    Group(label=g["label"], kind=g["kind"], numbers=tuple(g["numbers"]))
                    for g in c.get("groups", [])
                ),
                note=c.get("note", ""),
            )
            for c in raw.get("contact", [])
        ),
        mail=MailAddress(**mail) if mail else None,
    )


@lru_cache(maxsize=1)
def _all() -> dict[str, RegionDirectory]:
    raw = tomllib.loads(DIRECTORY_FILE.read_text(encoding="utf-8"))
    return {r["code"]: _region(r) for r in raw.get("region", [])}


def _ancestors(code: str) -> list[str]:
    """The code itself, its city and its province (codes of China's administrative divisions)."""
    chain = [code, f"{code[:4]}00", f"{code[:2]}0000"]
    return list(dict.fromkeys(c for c in chain if len(c) == 6))


def directory_for(region: str | None) -> RegionDirectory | None:
    """The directory that serves ``region`` (itself or the nearest region above it)."""
    if not region:
        return None
    for code in _ancestors(region):
        found = _all().get(code)
        if found is not None:
            return found
    return None


def directories() -> list[RegionDirectory]:
    return list(_all().values())


def offices() -> list[Office]:
    return [office for d in _all().values() for office in d.offices]


def office_get(code: str) -> Office | None:
    return next((o for o in offices() if o.code == code), None)
