"""The API against its own OpenAPI schema (issue 6 item 6), with schemathesis.

For every operation of ``/api/v1/openapi.json``, schemathesis generates requests that fit the
schema and requests that do not, sent anonymously and with the token of an individual, of a
unit user and of a staff member, on the demo hall: once with whatever path parameters it makes
up, and once more on inputs known to be good (the actor's own applications and materials, the
demo unit, a region with parameters, each calculator's worked example) so that the paths past
"not found" and "input invalid" are walked too. Every answer
must be no server error, have a documented status and content type, and a body that matches
the documented schema.

Bounded and repeatable: ``EXAMPLES`` cases per operation, actor, kind of data and set of path
parameters, derandomized (the same cases every run, so CI never flakes on a new one). Each case
runs in a savepoint that is rolled back, so state-changing operations leave the next case the
same hall.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shebao.api import api
from shebao.calculators.definitions import CALCULATORS
from shebao.hall.tests.access_world import World, build_world

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Who calls: nobody, and one actor of each kind with a token (see access_world).
ACTORS = {"anonymous": None, "individual": "ind_a", "unit": "admin", "staff": "staff_here"}
EXAMPLES = 8
DEMO_UNIT = "91220202000010001B"  # the unit of the "admin" actor


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The hall's WSGI application, in this test's database transaction: Django would close
    the connection after each request (as the test client, it must not)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _known(world: World, actor: str | None, operation: Any) -> dict[str, Any] | None:
    """Inputs known to be good for ``operation`` as ``actor``: path parameters naming objects
    that exist and that the actor has to do with, and a calculator's worked example; the rest
    is generated. None when the operation takes none of these."""
    known: dict[str, Any] = {}
    path = operation.path
    if "{material_id}" in path:
        application, material = {"ind_a": (world.app_a, world.material_a)}.get(
            actor or "", (world.app_granted, world.material_granted)
        )
        number: str = application.number
        material_id: int | None = material.pk
    else:
        number = {"ind_a": world.draft_a.number, "admin": world.draft_unit.number}.get(
            actor or "", world.app_granted.number
        )
        material_id = None
    line_id: int | None = None
    if path.startswith("/api/v1/bills/"):
        # A bill of the demo unit and one of its lines (the demo hall is assessed).
        from shebao.contributions.models import Bill, ContributionLine

        bill = Bill.objects.filter(payer_kind="unit").order_by("-month", "pk").first()
        if bill is not None:
            number = bill.number
            line = ContributionLine.objects.filter(bill=bill).order_by("pk").first()
            line_id = line.pk if line is not None else None
    if path.startswith("/api/v1/certificates/"):
        number = world.person_certificate.number
    existing = {
        "verify_code": world.person_certificate.verify_code,
        "number": number,
        "line_id": line_id,
        "material_id": material_id,
        "credit_code": DEMO_UNIT,
        "region": "220200",
        "record_id": world.provisional_record.pk,
        "code": "unit.staff_enrol",
        "channel": "localbank",  # the local payment channel
        "id": world.appointment.pk,  # 张伟's live booking (DELETE /api/v1/appointments/{id})
    }
    names = re.findall(r"{(\w+)}", path)
    missing = [name for name in names if name not in existing]
    assert not missing, f"{path}: no existing object known for {missing}"
    if names:
        known["path_parameters"] = {name: existing[name] for name in names}
    calculator = next((c for c in CALCULATORS if c.api_path == path), None)
    if calculator is not None:
        example = dict(calculator.example)
        if calculator.method == "GET":
            known["query"] = example
        else:  # backpay-interest: the form's "month amount" lines as the JSON body
            months = [line.split() for line in example.pop("months").splitlines()]
            known["body"] = {
                "months": [{"month": month, "amount": amount} for month, amount in months],
                **example,
            }
    return known or None


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    *,
    app: WSGIHandler,
    headers: dict[str, str],
    known: dict[str, Any] | None,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, **(known or {})))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate),
    )
    def run(case: Any) -> None:
        with transaction.atomic():
            try:
                case.call_and_validate(app=app, headers=headers, checks=CHECKS)
            finally:
                transaction.set_rollback(True)

    run()


def test_every_operation_answers_as_its_schema_says_for_every_kind_of_caller(wsgi_app, settings):
    settings.SHEBAO_DEMO = False
    world = build_world()
    raw = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), default=str))
    schema = schemathesis.openapi.from_dict(raw)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(methods) for methods in raw["paths"].values())

    failures: list[str] = []
    cases = 0
    started = time.monotonic()
    for operation in operations:
        for label, actor in ACTORS.items():
            token = world.tokens[actor] if actor else None
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            variants: list[dict[str, Any] | None] = [None]
            if known := _known(world, actor, operation):
                variants.append(known)
            for inputs in variants:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    cases += 1
                    try:
                        _fuzz(
                            operation,
                            mode,
                            app=wsgi_app,
                            headers=headers,
                            known=inputs,
                        )
                    except Unsatisfiable:
                        # Nothing in the request can be made invalid (no parameter, no body).
                        assert mode == GenerationMode.NEGATIVE, operation.label
                    except (Exception, BaseExceptionGroup) as error:  # every failure is reported
                        where = "known-good inputs" if inputs else "any inputs"
                        failures.append(
                            f"{operation.label} as {label}, {mode.value} data, {where}:\n"
                            f"{str(error)[:3000]}"
                        )
    took = time.monotonic() - started
    assert cases > 4 * len(operations) * 2
    assert failures == [], f"{len(failures)} failing runs in {took:.0f} s:\n\n" + "\n\n".join(
        failures
    )
