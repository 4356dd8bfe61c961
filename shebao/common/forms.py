"""Form fields shared by every app's pages.

:class:`IdentifierField` is the one way a page form takes an identifier (ID number, credit code,
mobile, SMS code, bank account): its value reaches the view in its one spelling
(:data:`shebao.common.identifiers.SPELLINGS`), and the service validates it. A test walks every
form of the project and fails on an identifier field of any other class.
"""

from __future__ import annotations

from typing import Any

from django import forms

from shebao.common.identifiers import SPELLINGS


class IdentifierField(forms.CharField):
    """A text field whose cleaned value is the identifier's one spelling (never raises for
    spelling; length and required checks apply to the folded value)."""

    def __init__(self, *, kind: str, **kwargs: Any) -> None:
        if kind not in SPELLINGS:
            raise ValueError(f"unknown identifier kind {kind!r}")
        self.kind = kind
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return SPELLINGS[self.kind](text) if text else text
