"""Matter handlers: where a matter's domain effect attaches to the workflow engine.

The engine (:mod:`shebao.applications.services`) moves every application through the same
states. What an approved application *does* to the master records — enrol an employee, record a
back-payment, start an unemployment benefit, transfer a pension relation, issue a certificate,
replace a card — is the business of the domain module that owns those records. That module
writes a handler and registers it under the key that the catalogue puts in ``Matter.handler``::

    # shebao/benefits/handlers.py
    from shebao.applications.handlers import MatterHandler, register

    @register("unemployment_benefit_claim")
    class UnemploymentClaimHandler(MatterHandler):
        auto_complete = True  # approval is the end of the case: no separate 办结 step

        def validate(self, application, data):
            # extra checks on the form answers, beyond the matter's field schema
            if data.get("leave_reason") == "voluntary":
                raise InvalidInput("本人自愿离职的不能申领失业保险金", field="leave_reason")
            return data

        def check_submit(self, application):
            # eligibility that depends on master records (contribution years, unit removal…)
            ...

        def on_approved(self, application, actor):
            entitlement = benefit_entitlement_start(application=application, actor=actor)
            return {"entitlement": entitlement.pk}  # kept in the approve event's data

and imports that module in its ``AppConfig.ready()`` so the registration runs at start-up.

Contract — every hook runs **inside the transaction of the transition**, after the guard and
the row lock, before the event row is written:

- ``validate(application, data) -> data``: on create, update and submit, after the schema
  check. Return the (possibly further cleaned) answers; raise a
  :class:`~shebao.common.errors.DomainError` (``InvalidInput`` with ``field=`` to point at a field)
  to refuse. On a draft save ``application.status`` is ``draft``; ``data`` is already cleaned.
- ``acceptance_mode(application) -> str``: at submission; one of ``Matter.AcceptanceMode``.
  Default: the matter's. Example: Beijing's back-payment rules pick 承诺制 or 容缺受理 by the
  account type and the number of years back-paid (seed 003).
- ``check_submit(application)``: at submission, after materials and form are complete; raise a
  DomainError to refuse (nothing is written).
- ``on_accepted(application, actor)``: when staff accept the case.
- ``on_approved(application, actor) -> dict | None``: apply the effect on master records
  (``actor`` is ``None`` for an instant matter — 即办件 — which the system accepts, approves and
  completes in the submit transaction).
  Raise a DomainError to refuse the approval: the whole transition rolls back (no status change,
  no event, no notification, no partial effect). The returned dict is stored in the approve
  event's ``data`` under ``"effect"`` (keep it small and JSON-safe: ids, amounts as strings).
- ``auto_complete``: when true, approval is followed in the same transaction by completion
  (办结) and ``on_completed`` runs too.
- ``on_completed``, ``on_rejected``, ``on_withdrawn``, ``on_lapsed`` ``(application, actor)``:
  follow-ups (close a pending record, release a reservation…). ``actor`` is ``None`` when the
  system acts (the lapse task).

A matter whose ``handler`` is empty, or names a handler that no module has registered yet, gets
the default :class:`MatterHandler`: it does nothing, so the matter still flows to a reviewer
and back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application


class MatterHandler:
    """The default handler: no effect. Subclass and override what the matter needs."""

    key: str = ""
    auto_complete: bool = False

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def acceptance_mode(self, application: Application) -> str:
        return application.matter.acceptance_mode

    def check_submit(self, application: Application) -> None:
        return None

    def on_accepted(self, application: Application, actor: Actor) -> None:
        return None

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any] | None:
        return None

    def on_completed(self, application: Application, actor: Actor | None) -> None:
        return None

    def on_rejected(self, application: Application, actor: Actor) -> None:
        return None

    def on_withdrawn(self, application: Application, actor: Actor) -> None:
        return None

    def on_lapsed(self, application: Application, actor: Actor | None) -> None:
        return None


_REGISTRY: dict[str, MatterHandler] = {}
DEFAULT_HANDLER = MatterHandler()


def register(key: str) -> Any:
    """Class decorator: register a handler class under ``key`` (one instance is kept)."""

    def decorate(cls: type[MatterHandler]) -> type[MatterHandler]:
        if not key:
            raise ValueError("a handler key must not be empty")
        existing = _REGISTRY.get(key)
        if existing is not None and type(existing) is not cls:
            raise ValueError(f"handler {key!r} is already registered by {type(existing)!r}")
        instance = cls()
        instance.key = key
        _REGISTRY[key] = instance
        return cls

    return decorate


def unregister(key: str) -> None:
    """Remove a registration (tests that register a handler of their own clean up with it)."""
    _REGISTRY.pop(key, None)


def handler_for_key(key: str) -> MatterHandler:
    return _REGISTRY.get(key, DEFAULT_HANDLER) if key else DEFAULT_HANDLER


def handler_for(application: Application) -> MatterHandler:
    """The handler of the application's matter (the default one if none is registered)."""
    return handler_for_key(application.matter.handler)


def registered_keys() -> list[str]:
    return sorted(_REGISTRY)
