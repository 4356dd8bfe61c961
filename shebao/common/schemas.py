"""Annotated types for API schemas (django-ninja / pydantic).

An identifier in a request body or query is declared with one of these types, so it reaches
the service in its one spelling (:data:`shebao.common.identifiers.SPELLINGS`); the service
validates it and answers with a stable error code. A test walks every input schema of the API
and fails on an identifier field declared as a plain ``str``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from shebao.common.identifiers import SPELLINGS


class Spelling:
    """Marker in a field's metadata naming the identifier kind (read by the schema test)."""

    def __init__(self, kind: str) -> None:
        if kind not in SPELLINGS:
            raise ValueError(f"unknown identifier kind {kind!r}")
        self.kind = kind

    def __call__(self, value: Any) -> Any:
        # Anything but a string is left for pydantic to refuse with its own message.
        return SPELLINGS[self.kind](value) if isinstance(value, str) else value

    def __repr__(self) -> str:
        return f"Spelling({self.kind!r})"


def _spelled(kind: str) -> Any:
    return Annotated[str, BeforeValidator(Spelling(kind))]


IdNumberStr = _spelled("id_number")
CreditCodeStr = _spelled("credit_code")
MobileStr = _spelled("mobile")
VerificationCodeStr = _spelled("verification_code")
BankCardStr = _spelled("bank_card")
BankAccountStr = _spelled("bank_account")
# A sign-in name: an ID number, a mobile or a staff number (the service tells which).
IdentifierStr = _spelled("identifier")
