"""Identity verification of a unit's legal representative (DESIGN principle 8: an adapter).

Online unit registration needs proof that the person registering is the unit's legal
representative. In Jiangsu (seed 002, answer 9) that proof is a face verification through an
app; when it fails, the legal representative or an authorised administrator registers at the
counter with the licence, ID card and power of attorney.

The hall asks ``settings.SHEBAO_IDENTITY_VERIFIER`` (a dotted class path) and accepts
whatever :class:`VerificationResult` it returns. The working local implementation,
:class:`RegistryIdentityVerifier`, checks the claim against the agency's own registry: it is a
data comparison, **not** a biometric check, and says so in ``method``. A deployment with a
face-verification provider (公安部人口库比对、支付宝/微信实名人脸核身、省人社 APP 人脸识别) writes a
class with the same ``verify`` signature that first calls the provider and then, usually, also
runs the registry comparison below; and points the setting at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from shebao.registry.models import Unit


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    # A stable code when ``ok`` is False (LEGAL_REP_MISMATCH, NAME_MISMATCH …), "" otherwise.
    reason: str
    # How the identity was established, kept in the audit record: "registry" for the local
    # comparison, e.g. "face" for a provider's face verification.
    method: str


# How ``method`` values are shown to people (audit notes, admin).
METHOD_LABELS = {"registry": "登记信息比对", "face": "人脸识别"}


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


class IdentityVerifier(Protocol):
    def verify(self, *, name: str, id_number: str, unit: Unit | None = None) -> VerificationResult:
        """Whether the person claiming ``name`` and ``id_number`` is who they say they are and,
        with ``unit``, that unit's registered legal representative. ``id_number`` is already
        normalised to 18 characters."""
        ...


_SPACES = re.compile(r"\s+")
# Names of some ethnic minorities are written with a middle dot; people type any of these.
_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", ".": "·", "‧": "·", "∙": "·"})


def name_key(name: str) -> str:
    """A name as compared: without spaces, with one kind of middle dot."""
    return _SPACES.sub("", name or "").translate(_DOTS)


class RegistryIdentityVerifier:
    """Compares the claim with the registry: the person's recorded name for this ID number (if
    the person is known) and the unit's recorded legal representative. No biometrics."""

    method = "registry"

    def verify(self, *, name: str, id_number: str, unit: Unit | None = None) -> VerificationResult:
        from shebao.registry.models import Person

        person = Person.objects.filter(id_number=id_number).only("name").first()
        if person is not None and name_key(person.name) != name_key(name):
            return VerificationResult(ok=False, reason="NAME_MISMATCH", method=self.method)
        if unit is not None and (
            unit.legal_rep_id_number.upper() != id_number
            or name_key(unit.legal_rep_name) != name_key(name)
        ):
            return VerificationResult(ok=False, reason="LEGAL_REP_MISMATCH", method=self.method)
        return VerificationResult(ok=True, reason="", method=self.method)


@lru_cache(maxsize=4)
def _verifier_class(path: str) -> type:
    return import_string(path)


def identity_verifier() -> IdentityVerifier:
    """The configured verifier (``settings.SHEBAO_IDENTITY_VERIFIER``)."""
    return _verifier_class(settings.SHEBAO_IDENTITY_VERIFIER)()
