"""Fictitious but well-formed people and units for the demo: valid ID numbers (GB 11643) and
credit codes (GB 32100), generated deterministically so every run builds the same hall."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from shebao.common.identifiers import credit_code_check_char, id_check_digit

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN_MALE = [
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "斌",
    "超",
    "明",
    "刚",
    "平",
    "辉",
    "鹏",
    "志远",
    "建国",
    "海涛",
    "国庆",
    "立新",
    "德福",
    "宏伟",
    "振华",
    "子豪",
    "浩然",
]
GIVEN_FEMALE = [
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "娟",
    "霞",
    "玲",
    "婷",
    "秀梅",
    "晓燕",
    "桂兰",
    "玉兰",
    "雪梅",
    "丽华",
    "春燕",
    "欣怡",
    "雨萱",
    "梓涵",
]


@dataclass(frozen=True)
class DemoPerson:
    name: str
    id_number: str
    sex: str
    birth_date: date
    mobile: str
    district: str


def id_number(area: str, born: date, sequence: int, sex: str) -> str:
    """An 18-character ID number; the sequence's last digit is odd for men, even for women."""
    order = sequence * 2 + (1 if sex == "M" else 0)
    first17 = f"{area}{born:%Y%m%d}{order % 1000:03d}"
    return first17 + id_check_digit(first17)


def credit_code(authority_type: str, area: str, serial: int) -> str:
    """A unified social credit code: 2 characters for authority and type (91 enterprise,
    12 public institution, 92 individual business), the area code, a 9-character organisation
    code, and the check character."""
    first17 = f"{authority_type}{area}{serial:09d}"
    return first17 + credit_code_check_char(first17)


def people(count: int, districts: list[str], *, seed: int = 220200) -> list[DemoPerson]:
    """``count`` distinct people living in ``districts``, born 1958–2002."""
    rng = random.Random(seed)
    result: list[DemoPerson] = []
    used_names: set[str] = set()
    while len(result) < count:
        sex = "M" if rng.random() < 0.5 else "F"
        given = rng.choice(GIVEN_MALE if sex == "M" else GIVEN_FEMALE)
        name = rng.choice(SURNAMES) + given
        if name in used_names:
            continue
        used_names.add(name)
        born = date(1958, 1, 1) + timedelta(days=rng.randrange(0, 44 * 365))
        district = districts[len(result) % len(districts)]
        mobile = f"139{4300_0000 + len(result) * 7919 % 10_000_000:08d}"
        result.append(
            DemoPerson(
                name=name,
                id_number=id_number(district, born, 100 + len(result), sex),
                sex=sex,
                birth_date=born,
                mobile=mobile,
                district=district,
            )
        )
    return result
