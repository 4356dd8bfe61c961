"""Every matter of the catalogue either has the handler that applies its effect, or stops
pretending: it is not instant and its guide says a reviewer handles it. A handler key that no
module registers fails catalogue_load and the system check."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from shebao.applications.handlers import MatterHandler, is_registered, register, unregister
from shebao.catalogue import checks
from shebao.catalogue.guide import acceptance_text, guide_for
from shebao.catalogue.models import Matter
from shebao.catalogue.schema import EFFECTS, NO_EFFECT
from shebao.catalogue.services import CatalogueDataInvalid, catalogue_load
from shebao.catalogue.tests.conftest import matter_toml

pytestmark = pytest.mark.django_db


def test_every_matter_of_the_catalogue_keeps_its_promise(catalogue):
    matters = list(Matter.objects.filter(enabled=True))
    assert len(matters) == catalogue.total
    for matter in matters:
        assert matter.effect in EFFECTS, matter.code
        if matter.handler:
            assert is_registered(matter.handler), matter.code
        if matter.promises_effect and not matter.handler:
            assert matter.instant is False, matter.code
            assert "本事项由经办人员审核办理" in acceptance_text(matter), matter.code
            assert guide_for(matter).reviewer_note, matter.code
        if matter.instant:
            assert matter.handler, matter.code


def test_the_classification_is_data_and_names_the_effects_of_the_seeds(catalogue):
    effect = dict(Matter.objects.values_list("code", "effect"))
    assert effect["unit.staff_enrol"] == "enrol"
    assert effect["unit.staff_leave"] == "terminate"
    assert effect["person.query_insurance"] == "query"
    assert effect["person.insurance_certificate"] == "print"
    assert effect["person.unemployment_benefit"] == "claim"
    assert effect["both.labour_arbitration"] == NO_EFFECT
    # A matter without an effect to apply has no reviewer note.
    arbitration = Matter.objects.get(code="both.labour_arbitration")
    assert guide_for(arbitration).reviewer_note == ""


def test_a_matter_promising_an_effect_without_a_handler_cannot_be_instant(data_dir):
    directory = data_dir({"10_a.toml": matter_toml("instant = true", effect='"query"')})
    with pytest.raises(CatalogueDataInvalid) as refused:
        catalogue_load(directory=directory)
    assert any("即办件必须有业务处理器 handler" in e for e in refused.value.details["errors"])
    assert Matter.objects.count() == 0


def test_a_registered_handler_may_make_a_matter_instant(data_dir):
    class Answer(MatterHandler):
        pass

    register("test.answer")(Answer)
    try:
        directory = data_dir(
            {"10_a.toml": matter_toml('instant = true\nhandler = "test.answer"', effect='"query"')}
        )
        catalogue_load(directory=directory)
        matter = Matter.objects.get(code="person.sample")
        assert (matter.instant, matter.handler, matter.reviewed_by_staff_only) == (
            True,
            "test.answer",
            False,
        )
        assert "本事项由经办人员审核办理" not in acceptance_text(matter)
    finally:
        unregister("test.answer")


def test_the_system_check_fails_on_a_data_file_naming_an_unregistered_handler(
    data_dir, monkeypatch
):
    directory = data_dir({"10_a.toml": matter_toml('handler = "benefits.not_written"')})
    monkeypatch.setattr("shebao.catalogue.services.DATA_DIR", directory)

    errors = checks.catalogue_handlers_in_data()

    assert [e.id for e in errors] == ["catalogue.E001"]
    assert "benefits.not_written" in errors[0].msg
    with pytest.raises(SystemCheckError):
        call_command("check")


def test_the_repository_data_passes_the_system_check():
    assert checks.catalogue_handlers_in_data() == []


def test_the_database_check_fails_on_a_loaded_matter_naming_an_unregistered_handler(catalogue):
    assert checks.catalogue_handlers_loaded(databases=["default"]) == []
    Matter.objects.filter(code="person.unemployment_benefit").update(handler="benefits.gone")

    errors = checks.catalogue_handlers_loaded(databases=["default"])

    assert [(e.id, "person.unemployment_benefit" in e.msg) for e in errors] == [
        ("catalogue.E002", True)
    ]
    assert checks.catalogue_handlers_loaded(databases=None) == []  # only as a database check
