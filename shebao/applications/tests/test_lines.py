"""The staging-lines contract (LinesHandler): many lines, one application — validated at submit,
shown to the reviewer, applied set-based on approval in the approval's transaction.

The staging table here is the test's own (created for the test and dropped after it), the
effect a real one: each line sets a registered person's mobile number.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection, models
from django.db.models import Count, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from shebao.applications import selectors, services
from shebao.applications.handlers import LineProblem, LinesHandler, register, unregister
from shebao.applications.models import Application
from shebao.applications.tests.conftest import act, make_matter, make_person
from shebao.common.errors import Conflict, InvalidInput
from shebao.registry.models import Person

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "test.mobile_roster"
MobileLine: Any = None  # the staging model of the running test (see the roster fixture)


def _line_model() -> type[models.Model]:
    """The staging model, registered only while a test of this module runs (other tests that
    walk every model must not meet a table that is not there)."""

    class MobileLine(models.Model):
        application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
        row = models.PositiveIntegerField("行号")
        id_number = models.CharField("公民身份号码", max_length=18)
        mobile = models.CharField("新手机号码", max_length=11)

        class Meta:
            app_label = "applications"
            db_table = "test_mobile_line"

        def __str__(self) -> str:
            return f"{self.row}: {self.id_number}"

    return MobileLine


class MobileRoster(LinesHandler):
    auto_complete = True
    fail_after_apply = False

    def validate_lines(self, application: Application) -> list[LineProblem]:
        lines = self.lines(application)
        unknown = lines.exclude(id_number__in=Person.objects.values("id_number"))
        repeated = (
            lines.values("id_number").annotate(n=Count("id")).filter(n__gt=1).values("id_number")
        )
        problems = [
            LineProblem(r, "公民身份号码", "登记库中无此人")
            for r in unknown.values_list("row", flat=True)
        ]
        problems += [
            LineProblem(r, "公民身份号码", "同一人重复出现")
            for r in lines.filter(id_number__in=repeated).values_list("row", flat=True)
        ]
        return sorted(problems, key=lambda p: p.row)

    def apply_lines(self, application: Application, actor: Any) -> dict[str, Any]:
        new_mobile = self.line_model.objects.filter(
            application=application, id_number=OuterRef("id_number")
        ).values("mobile")[:1]
        updated = Person.objects.filter(
            id_number__in=self.lines(application).values("id_number")
        ).update(mobile=Subquery(new_mobile))
        if self.fail_after_apply:
            raise Conflict("下游登记失败", code="REGISTRY_WRITE_FAILED")
        return {"updated": updated}


@pytest.fixture
def roster(world):
    global MobileLine
    MobileLine = _line_model()
    MobileRoster.line_model = MobileLine
    with connection.schema_editor() as editor:
        editor.create_model(MobileLine)
    register(KEY)(MobileRoster)
    MobileRoster.fail_after_apply = False
    matter = make_matter(code="individual.mobile_roster", handler=KEY, materials=[])
    yield matter
    unregister(KEY)
    MobileLine.objects.all().delete()
    with connection.schema_editor() as editor:
        editor.delete_model(MobileLine)
    django_apps.all_models["applications"].pop("mobileline", None)
    django_apps.clear_cache()


def _draft(world, matter, lines: list[tuple[str, str]]) -> Application:
    application, _ = services.application_create(
        actor=act(world.a), matter=matter, data={"reason": "批量变更", "start_date": "2024-09-01"}
    )
    MobileLine.objects.bulk_create(
        MobileLine(application=application, row=index, id_number=number, mobile=mobile)
        for index, (number, mobile) in enumerate(lines, start=2)  # row 1 is the header
    )
    return application


def _submit(world, application: Application) -> Application:
    application.refresh_from_db()
    return services.application_submit(
        actor=act(world.a), application=application, version=application.version
    )


def _accept(world, application: Application) -> Application:
    application.refresh_from_db()
    return services.application_accept(
        actor=world.staff_actor(), application=application, version=application.version
    )


def _approve(world, application: Application) -> Application:
    application.refresh_from_db()
    return services.application_approve(
        actor=world.staff_actor(), application=application, version=application.version
    )


def test_an_application_without_lines_cannot_be_submitted(world, roster):
    application = _draft(world, roster, [])
    with pytest.raises(InvalidInput) as caught:
        _submit(world, application)
    assert caught.value.code == "LINES_EMPTY"
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


def test_every_bad_line_is_reported_and_nothing_is_submitted(world, roster):
    known = make_person(name="钱一")
    application = _draft(
        world,
        roster,
        [
            (known.id_number, "13900000001"),
            ("220202199001011234", "13900000002"),
            (known.id_number, "13900000003"),
        ],
    )
    with pytest.raises(InvalidInput) as caught:
        _submit(world, application)
    assert caught.value.code == "LINES_INVALID"
    assert caught.value.details == {
        "rows": [
            {"row": 2, "column": "公民身份号码", "reason": "同一人重复出现"},
            {"row": 3, "column": "公民身份号码", "reason": "登记库中无此人"},
            {"row": 4, "column": "公民身份号码", "reason": "同一人重复出现"},
        ]
    }
    assert caught.value.message.startswith("明细有 3 处错误，请修改后再提交：第 2 行 公民身份号码")
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert application.events.filter(action="submit").count() == 0


def test_the_reviewer_sees_the_lines_and_approval_applies_them_set_based(world, roster):
    people = [make_person(name=f"孙{i}", mobile="13800000000") for i in range(3)]
    application = _draft(
        world, roster, [(p.id_number, f"1390000000{i}") for i, p in enumerate(people)]
    )
    _submit(world, application)
    _accept(world, application)

    application.refresh_from_db()
    view = selectors.application_overview(actor=world.staff_actor(), application=application)
    assert view["review"]["count"] == 3
    assert view["review"]["problems"] == []
    assert view["review"]["sample"][0][1:] == [people[0].id_number, "13900000000"]
    assert (
        selectors.application_overview(actor=act(world.a), application=application)["review"]
        is None
    )

    _approve(world, application)

    application.refresh_from_db()
    assert application.status == Application.Status.COMPLETED
    assert sorted(
        Person.objects.filter(pk__in=[p.pk for p in people]).values_list("mobile", flat=True)
    ) == [
        "13900000000",
        "13900000001",
        "13900000002",
    ]
    approve = application.events.get(action="approve")
    assert approve.data == {"effect": {"lines": 3, "updated": 3}}


def test_applying_takes_the_same_queries_for_three_lines_or_thirty(world, roster):
    def queries_to_approve(n: int) -> int:
        people = [make_person(name="周某") for _ in range(n)]
        application = _draft(world, roster, [(p.id_number, "13911112222") for p in people])
        _submit(world, application)
        _accept(world, application)
        application.refresh_from_db()
        with CaptureQueriesContext(connection) as captured:
            _approve(world, application)
        return len(captured)

    assert queries_to_approve(3) == queries_to_approve(30)


def test_a_line_no_longer_valid_at_approval_refuses_it_and_changes_nothing(world, roster):
    person = make_person(name="吴某", mobile="13800000000")
    application = _draft(world, roster, [(person.id_number, "13900000009")])
    _submit(world, application)
    _accept(world, application)
    Person.objects.filter(pk=person.pk).update(id_number="220202198001019999")  # corrected since

    with pytest.raises(Conflict) as caught:
        _approve(world, application)

    assert caught.value.code == "LINES_NO_LONGER_VALID"
    assert caught.value.details["rows"] == [
        {"row": 2, "column": "公民身份号码", "reason": "登记库中无此人"}
    ]
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED


def test_a_failure_after_applying_rolls_the_lines_effect_back(world, roster):
    person = make_person(name="郑某", mobile="13800000000")
    application = _draft(world, roster, [(person.id_number, "13900000009")])
    _submit(world, application)
    _accept(world, application)
    MobileRoster.fail_after_apply = True

    with pytest.raises(Conflict):
        _approve(world, application)

    person.refresh_from_db()
    application.refresh_from_db()
    assert person.mobile == "13800000000"
    assert application.status == Application.Status.ACCEPTED
    assert application.events.filter(action="approve").count() == 0
