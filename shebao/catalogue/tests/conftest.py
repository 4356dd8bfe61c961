"""Fixtures of the catalogue tests: the real catalogue, and small data directories to break."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from shebao.catalogue.services import catalogue_load


@pytest.fixture(autouse=True)
def _reference(reference_data):
    """Every catalogue test runs against the registry's regions and departments."""


@pytest.fixture
def catalogue(db):
    """The repository's catalogue, loaded from shebao/catalogue/data/."""
    return catalogue_load()


COMMON = """
[material.id_card]
name = "居民身份证"
core = true

[field.contact_mobile]
label = "联系电话"
type = "mobile"
required = true

[steps]
standard = ["网上申请", "受理", "审核", "办结"]
"""

# One valid matter; tests replace lines of it to make it wrong in one way.
MATTER = """
[[matter]]
code = "person.sample"
name = "样例事项"
category = "社会保险"
applicant_kind = "individual"
department = "unemployment"
summary = "用于测试的事项"
conditions = ["条件一"]
materials = ["id_card", {{ code = "other_proof", name = "其他证明" }}]
time_limit_days = 5
steps = "standard"
fields = ["contact_mobile", {{ name = "leave_date", label = "失业日期", type = "date", required = true }}]
legal_basis = ["《失业保险条例》"]
sources = ["004"]
effect = "claim"
{extra}
"""


def matter_toml(extra: str = "", **replace: str) -> str:
    """The sample matter, with ``key = value`` lines replaced and ``extra`` lines added."""
    text = MATTER.format(extra=extra)
    lines = []
    for line in text.splitlines():
        key = line.split(" = ", 1)[0]
        lines.append(f"{key} = {replace[key]}" if key in replace else line)
    return "\n".join(lines)


@pytest.fixture
def data_dir(tmp_path) -> Callable[..., Path]:
    """Write a data directory: ``data_dir({"10_a.toml": text, …})`` with the common library."""

    def write(files: dict[str, str], common: str = COMMON) -> Path:
        directory = tmp_path / f"data{len(list(tmp_path.iterdir()))}"
        directory.mkdir()
        (directory / "_common.toml").write_text(common, encoding="utf-8")
        for name, text in files.items():
            (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
        return directory

    return write
