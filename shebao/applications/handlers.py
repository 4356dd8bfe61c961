"""Matter handlers: where a matter's domain effect attaches to the workflow engine.

The engine (:mod:`shebao.applications.services`) moves every application through the same
states (the table in :mod:`shebao.applications.workflow`). What an approved application *does*
to the master records — enrol an employee, record a back-payment, start an unemployment benefit,
transfer a pension relation, issue a certificate, replace a card — is the business of the domain
module that owns those records. That module writes a handler and registers it under the key
that the catalogue puts in the matter's ``handler``::

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
A matter that names a key no module registers is an error: ``catalogue_load`` refuses the data,
the system check ``applications.E001`` fails, and :func:`handler_for` raises
:class:`HandlerNotRegistered` rather than let the case complete without its effect.

Contract — every hook runs **inside the transaction of the transition**, after the guard and
the row lock and after the status has changed, before the event row is written. A hook that
raises (a :class:`~shebao.common.errors.DomainError` to refuse with a message) rolls back the
whole transition: no status change, no event, no notification, no partial effect.

Form and submission:

- ``validate(application, data) -> data``: on create, update and submit, after the schema
  check. Return the (possibly further cleaned) answers; raise ``InvalidInput`` with ``field=``
  to point at a field. On a draft save ``application.status`` is ``draft``.
- ``acceptance_mode(application) -> str``: at submission; one of ``Matter.AcceptanceMode``.
  Default: the matter's. Example: Beijing's back-payment rules pick 承诺制 or 容缺受理 by the
  account type and the number of years back-paid (seed 003).
- ``check_material(application, code, path)``: on every upload, after the file's type and size
  passed the engine's checks and it was stored at ``path``; raise ``InvalidInput`` to refuse the
  file (it is deleted again and nothing is recorded). Example: a card photo must be a JPEG or
  PNG picture of the card's size and proportions (:mod:`shebao.cards.photos`).
- ``check_submit(application)``: at submission, after materials and form are complete and
  before anything is written; raise to refuse. (:class:`LinesHandler` validates its lines here.)
- ``instant(application) -> bool``: at submission, after ``check_submit``: whether this case
  is answered at once (即办) — the system accepts, approves (running ``on_approved``) and
  completes it in the submit transaction. Default: the matter's ``instant``. Example: a change
  of an employee's contact details only applies at once, while a change that a document must
  prove waits for a reviewer (:mod:`shebao.registry.info_fields`).
- ``reviewer_context(application) -> dict | None``: what the reviewer's case page shows beside
  the form (``{"template": "…html", …}``); the API's staff detail carries it under ``review``.
- ``applicant_deadline(actor=, region=, on=) -> str``: what the guide tells a signed-in
  applicant about the time limit to apply within (an unemployment claim: 60 days from the
  unemployment, the last day where their own claim gives the date).
- ``applies_effect``: False for a handler that only checks (the effect stays the reviewer's).
- ``calendar_text(region=, on=) -> str``: what the guide says, before the applicant starts,
  about the months the matter may take effect in (a staff change: the open period, the month's
  deadline, late handling under emergency measures).
- ``result_context(application) -> dict | None``: what the applicant's case page shows as the
  outcome (``{"template": "…html", …}``: what the approval created, what to do next); the API's
  detail carries it, without ``template``, under ``result``.

Routing and the one open case:

- ``route_district(application) -> str | None``: the district whose agency handles the case
  when it is not the applicant's own (a unit new to the agency registers where it is to be
  insured, a field of its form). Asked on create and on every change of the form.
- ``open_case_field``: for a matter with ``one_open_case``, a form field whose value names what
  the case is about whoever applies (a unit's registration: its credit code). While one case
  with that value is open, no other case of the matter with it may be submitted, by anyone.
  Empty (the default): one open case per applicant and ``subject_id_number``.

One hook per transition of the table (``Action.hook``), ``actor`` ``None`` when the system
acts (an instant matter — 即办件 — is accepted, approved and completed by the system in the
submit transaction; the lapse task):

- ``on_submitted``, ``on_recalled``, ``on_withdrawn`` (applicant);
- ``on_accepted``, ``on_returned``, ``on_rejected``, ``on_completed`` (reviewer);
- ``on_approved(application, actor) -> dict | None``: **apply the effect** on master records.
  The returned dict is stored in the approve event's ``data`` under ``"effect"`` (keep it small
  and JSON-safe: ids, counts, amounts as strings);
- ``on_lapsed`` (system).
- ``auto_complete``: when true, approval is followed in the same transaction by completion
  (办结) and ``on_completed`` runs too.

Many lines, one application (a roster of N employees, a base declaration, a bank result
file): subclass :class:`LinesHandler`. The lines live in a staging table of the domain app
linked to the application; the engine validates them at submit (``validate_lines``), shows
them to the reviewer (``reviewer_context``) and applies them set-based on approval
(``apply_lines``), re-validating first, all in the approval's transaction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from shebao.common.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application


class HandlerNotRegistered(LookupError):
    """A matter names a handler key that no module registered (a deployment error)."""


class MatterHandler:
    """The default handler: no effect. Subclass and override what the matter needs."""

    key: str = ""
    auto_complete: bool = False
    # False for a handler that checks a matter's applications but leaves the effect it promises
    # (a benefit started, a record changed) to the reviewer: the guide still says so.
    applies_effect: bool = True
    # The URL name of a page that does the matter's work directly instead of filing an
    # application (a query opens the record it names; a roster has its own upload page). The
    # matter's "apply" leads there.
    page: str = ""
    # The query string that page opens with (a print matter picks its kind: "kind=…").
    page_query: str = ""
    # False for a matter whose page is all of it (a query): no application is ever filed.
    files_application: bool = True
    # A form field naming the case's subject across applicants, for one_open_case (see above).
    open_case_field: str = ""

    def page_url(self) -> str:
        """Where the matter's "apply" leads when ``page`` is set ("" otherwise)."""
        if not self.page:
            return ""
        from django.urls import reverse

        url = reverse(self.page)
        return f"{url}?{self.page_query}" if self.page_query else url

    # --- form and submission ---------------------------------------------------------------------

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def acceptance_mode(self, application: Application) -> str:
        return application.matter.acceptance_mode

    def check_material(self, application: Application, code: str, path: str) -> None:
        return None

    def check_submit(self, application: Application) -> None:
        return None

    def instant(self, application: Application) -> bool:
        return application.matter.instant

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        return None

    def applicant_deadline(self, *, actor: Actor | None, region: str, on: date) -> str:
        """What the matter's guide tells this applicant in ``region`` on ``on`` about the time
        they must apply within (their own last day where their answers give it, else the
        rule), or "" where the matter has no time limit."""
        return ""

    def calendar_text(self, *, region: str, on: date) -> str:
        """What the matter's guide tells an applicant in ``region`` on ``on`` about the months
        it may take effect in (the region's business calendar), or "" where it has nothing."""
        return ""

    def result_context(self, application: Application) -> dict[str, Any] | None:
        return None

    def route_district(self, application: Application) -> str | None:
        return None

    # --- one hook per transition (shebao.applications.workflow.ACTIONS[...].hook) ----------------

    def on_submitted(self, application: Application, actor: Actor) -> None:
        return None

    def on_recalled(self, application: Application, actor: Actor) -> None:
        return None

    def on_withdrawn(self, application: Application, actor: Actor) -> None:
        return None

    def on_accepted(self, application: Application, actor: Actor | None) -> None:
        return None

    def on_returned(self, application: Application, actor: Actor) -> None:
        return None

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any] | None:
        return None

    def on_rejected(self, application: Application, actor: Actor) -> None:
        return None

    def on_completed(self, application: Application, actor: Actor | None) -> None:
        return None

    def on_lapsed(self, application: Application, actor: Actor | None) -> None:
        return None


@dataclass(frozen=True)
class LineProblem:
    """One problem with one staging line: its row number (as the applicant numbered it, e.g.
    the spreadsheet row), the column, and the reason in Chinese."""

    row: int
    column: str
    reason: str


class LinesInvalid(InvalidInput):
    """Lines that failed validation; ``details["rows"]`` lists every problem."""

    default_code = "LINES_INVALID"


# How many problems a refusal message names before "……"; the details list all of them.
PROBLEMS_IN_MESSAGE = 3
# How many lines the reviewer's page shows (the rest are counted).
REVIEW_SAMPLE = 50


class LinesHandler(MatterHandler):
    """A matter whose application carries many lines in a staging table of the domain app.

    The domain app declares a model with a foreign key ``application`` to
    :class:`~shebao.applications.models.Application` and an integer ``row``, writes the lines
    while the application is a draft (or returned), and implements:

    - ``line_model``: the staging model;
    - ``validate_lines(application) -> list[LineProblem]``: set-based checks of every line
      (queries over the staging table joined to the registry, not a loop of queries);
    - ``apply_lines(application, actor) -> dict``: the set-based write of the effect
      (``INSERT … SELECT`` / ``UPDATE … FROM``); returns what the approve event keeps.

    The engine then refuses a submission with no lines (``LINES_EMPTY``) or with problems
    (``LINES_INVALID``, every problem in ``details["rows"]``), shows the reviewer the count, a
    sample and any problems found now, and on approval validates again (the registry may have
    changed since the submission) and applies, in the approval's transaction.
    """

    line_model: type[Model]
    reviewer_template = "applications/_lines.html"

    def lines(self, application: Application) -> QuerySet[Any]:
        return self.line_model.objects.filter(application=application).order_by("row")

    def validate_lines(self, application: Application) -> list[LineProblem]:
        raise NotImplementedError

    def apply_lines(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        raise NotImplementedError

    def line_columns(self) -> list[tuple[str, str]]:
        """(field name, Chinese heading) of the columns the reviewer sees."""
        return [
            (f.name, str(f.verbose_name))
            for f in self.line_model._meta.concrete_fields
            if f.name not in ("id", "application")
        ]

    # --- the engine's side of the contract ---------------------------------------------------

    def _refuse_if_invalid(self, application: Application) -> int:
        count = self.lines(application).count()
        if count == 0:
            raise InvalidInput("申请中没有任何明细，请先添加或导入", code="LINES_EMPTY")
        problems = self.validate_lines(application)
        if problems:
            named = "；".join(
                f"第 {p.row} 行 {p.column}：{p.reason}" for p in problems[:PROBLEMS_IN_MESSAGE]
            )
            more = "……" if len(problems) > PROBLEMS_IN_MESSAGE else ""
            raise LinesInvalid(
                f"明细有 {len(problems)} 处错误，请修改后再提交：{named}{more}",
                details={"rows": [asdict(p) for p in problems]},
            )
        return count

    def check_submit(self, application: Application) -> None:
        self._refuse_if_invalid(application)

    def reviewer_context(self, application: Application) -> dict[str, Any]:
        rows = self.lines(application)
        columns = self.line_columns()
        return {
            "template": self.reviewer_template,
            "count": rows.count(),
            "columns": columns,
            "sample": [
                [getattr(line, name) for name, _ in columns] for line in rows[:REVIEW_SAMPLE]
            ],
            "problems": self.validate_lines(application),
        }

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        try:
            count = self._refuse_if_invalid(application)
        except LinesInvalid as exc:
            raise Conflict(
                f"明细已不再符合条件，不能审核通过：{exc.message}",
                code="LINES_NO_LONGER_VALID",
                details=exc.details,
            ) from exc
        return {"lines": count, **self.apply_lines(application, actor)}


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


def is_registered(key: str) -> bool:
    return key in _REGISTRY


def handler_for_key(key: str) -> MatterHandler:
    """The handler registered under ``key``; the default (no effect) for an empty key.

    Raises :class:`HandlerNotRegistered` for a key nobody registered: a matter that promises an
    effect must never complete without it.
    """
    if not key:
        return DEFAULT_HANDLER
    try:
        return _REGISTRY[key]
    except KeyError:
        raise HandlerNotRegistered(
            f"matter handler {key!r} is not registered by any module"
        ) from None


def handler_for(application: Application) -> MatterHandler:
    """The handler of the application's matter."""
    return handler_for_key(application.matter.handler)


def registered_keys() -> list[str]:
    return sorted(_REGISTRY)
