"""How an amount explains itself (DESIGN principle 2).

A policy parameter travels as a :class:`Param`: its value together with a :class:`ParamRef`
naming where it came from (key, region, validity, final or provisional, source). Rules are pure
functions that take ``Param`` values and plain inputs and record what they did in a
:class:`Trace`: the inputs, each parameter used, and each intermediate step. A trace is plain
data (:meth:`Trace.as_dict`) so it can be shown on a page, returned by the API and stored next
to a bill or a benefit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

T = TypeVar("T")

FINAL = "final"
PROVISIONAL = "provisional"


@dataclass(frozen=True)
class ParamRef:
    """Where a parameter value came from."""

    key: str
    region: str  # administrative-division code; "000000" for national values
    valid_from: date
    valid_to: date | None
    status: str  # FINAL or PROVISIONAL
    source: str  # document number or URL, or "demo"
    record_id: int | None = None  # the stored parameter row, when it came from the database

    @property
    def provisional(self) -> bool:
        return self.status == PROVISIONAL

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "region": self.region,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "status": self.status,
            "source": self.source,
            "record_id": self.record_id,
        }


@dataclass(frozen=True)
class Param(Generic[T]):
    """A parameter value with its provenance."""

    value: T
    ref: ParamRef

    @property
    def provisional(self) -> bool:
        return self.ref.provisional


def _plain(value: Any) -> Any:
    """JSON-ready form of a value: Decimals as exact strings, dates as ISO strings."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


@dataclass
class Step:
    """One line of a computation: what was computed, how, and the result."""

    label: str  # Chinese, for people: "缴费基数"
    formula: str  # "min(max(5000.00, 2767.00), 13835.00)"
    value: Any

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "formula": self.formula, "value": _plain(self.value)}


@dataclass
class Trace:
    """The explanation of one computation; rules nest traces of the rules they call."""

    rule: str  # stable rule id, e.g. "contribution.base_clamp"
    title: str  # Chinese title, e.g. "缴费基数核定"
    inputs: dict[str, Any] = field(default_factory=dict)
    params: list[ParamRef] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    children: list[Trace] = field(default_factory=list)

    def use(self, param: Param[T]) -> T:
        """Record that ``param`` was used and return its value."""
        if param.ref not in self.params:
            self.params.append(param.ref)
        return param.value

    def step(self, label: str, formula: str, value: T) -> T:
        """Record an intermediate value and return it."""
        self.steps.append(Step(label, formula, value))
        return value

    def note(self, text: str) -> None:
        self.notes.append(text)

    def child(self, trace: Trace) -> Trace:
        self.children.append(trace)
        return trace

    def all_params(self) -> list[ParamRef]:
        """Every parameter used here or in a nested trace, once each."""
        seen: list[ParamRef] = []
        for ref in self.params + [r for c in self.children for r in c.all_params()]:
            if ref not in seen:
                seen.append(ref)
        return seen

    @property
    def provisional(self) -> bool:
        """True if any parameter used, here or nested, is provisional."""
        return any(ref.provisional for ref in self.all_params())

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "provisional": self.provisional,
            "inputs": _plain(self.inputs),
            "params": [ref.as_dict() for ref in self.params],
            "steps": [step.as_dict() for step in self.steps],
            "notes": list(self.notes),
            "children": [child.as_dict() for child in self.children],
        }
