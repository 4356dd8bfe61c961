"""The suite checks what it says: no parametrized test skips some of its own combinations.

A test that is parametrized over actors or cases and then calls ``pytest.skip`` for some of
them reports those combinations as skipped on every run, whatever the code does: a count of
skips that hides nothing but trains everyone to ignore skips. Parametrize over the combinations
that are tested instead. (Skips that depend on the machine — a browser, Redis, a database
that runs writers in parallel — live in fixtures or ``skipif`` markers, and CI turns the first
two into failures with ``SHEBAO_REQUIRE_BROWSER`` and ``SHEBAO_REQUIRE_SERVICES``.)
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _is_parametrized(function: ast.FunctionDef) -> bool:
    return any("parametrize" in ast.unparse(d) for d in function.decorator_list)


def _calls_skip(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(node, ast.Call) and ast.unparse(node.func) in ("pytest.skip", "skip")
        for node in ast.walk(function)
    )


def test_no_parametrized_test_skips_itself():
    offenders = []
    for path in sorted(ROOT.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.FunctionDef)
                and node.name.startswith("test_")
                and _is_parametrized(node)
                and _calls_skip(node)
            ):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}")
    assert not offenders, "parametrized tests that skip their own combinations: " + ", ".join(
        offenders
    )
