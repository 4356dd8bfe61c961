"""Search and filters of the public catalogue, and which matters each kind of actor may apply for."""

from __future__ import annotations

import pytest

from shebao.accounts import actors
from shebao.accounts.actors import ANONYMOUS_ACTOR, actor_for
from shebao.accounts.models import MatterGrant, User
from shebao.catalogue.models import Matter
from shebao.catalogue.selectors import (
    matter_facets,
    matter_get,
    matter_open_to,
    matters_for_applicant,
    matters_public,
)
from shebao.common.errors import InvalidInput, NotFound
from shebao.testing import (
    make_individual,
    make_member,
    make_staff,
    make_unit,
    staff_actor,
    unit_actor,
)

pytestmark = pytest.mark.django_db


def codes(queryset) -> list[str]:
    return list(queryset.values_list("code", flat=True))


def test_chinese_substring_search_finds_by_name_keyword_and_summary(catalogue):
    # name
    assert "person.unemployment_benefit" in codes(matters_public(q="失业保险金"))
    # keyword only: the seed's own word for the service (Jilin's "失业金申领")
    assert codes(matters_public(q="失业金申领")) == ["person.unemployment_benefit"]
    # keyword alias of the card matters
    assert set(codes(matters_public(q="社保卡挂失"))) == {"person.card_report_loss"}
    # summary text
    assert "person.flexible_arrears_cancel" in codes(matters_public(q="注销后不可恢复"))


def test_search_by_code_ignores_case(catalogue):
    assert codes(matters_public(q="UNIT.STAFF_ENROL")) == ["unit.staff_enrol"]


def test_all_terms_must_match(catalogue):
    found = codes(matters_public(q="补缴 承诺制"))

    assert set(found) == {
        "unit.back_payment_general_account",
        "unit.back_payment_temporary_account",
    }


def test_name_matches_come_before_keyword_and_summary_matches(catalogue):
    found = codes(matters_public(q="失业登记"))

    assert found[0] == "person.unemployment_registration"
    assert "person.unemployment_benefit" in found[1:]


def test_a_search_that_matches_nothing_is_empty(catalogue):
    assert codes(matters_public(q="不存在的事项名称")) == []


def test_applicant_filter_includes_matters_open_to_both(catalogue):
    individual = set(codes(matters_public(applicant_kind="individual")))
    unit = set(codes(matters_public(applicant_kind="unit")))
    both = set(codes(matters_public(applicant_kind="both")))

    assert "both.pension_transfer_in" in individual & unit
    assert "person.unemployment_benefit" in individual - unit
    assert "unit.staff_enrol" in unit - individual
    assert both == individual & unit
    assert set(Matter.objects.filter(applicant_kind="both").values_list("code", flat=True)) == both


def test_department_and_category_filters(catalogue):
    card = codes(matters_public(department="card"))
    labour = codes(matters_public(category="劳动关系"))

    assert set(card) == set(
        Matter.objects.filter(department_id="card").values_list("code", flat=True)
    )
    assert "person.card_replace" in card
    assert set(labour) == {"both.labour_mediation", "both.labour_arbitration"}
    assert codes(matters_public(q="调解", category="社会保险")) == []


@pytest.mark.parametrize(
    ("filters", "code"),
    [
        ({"applicant_kind": "company"}, "APPLICANT_KIND_UNKNOWN"),
        ({"department": "pensions"}, "DEPARTMENT_UNKNOWN"),
        ({"category": "医疗保险"}, "CATEGORY_UNKNOWN"),
    ],
)
def test_unknown_filter_values_are_refused(catalogue, filters, code):
    with pytest.raises(InvalidInput) as refused:
        matters_public(**filters)

    assert refused.value.code == code


def test_disabled_matters_are_not_listed_found_or_counted(catalogue):
    Matter.objects.filter(code="person.card_query").update(enabled=False)
    card_before = next(f for f in matter_facets()["department"] if f["value"] == "card")

    assert "person.card_query" not in codes(matters_public())
    assert codes(matters_public(q="社会保障卡信息查询")) == []
    with pytest.raises(NotFound) as refused:
        matter_get(code="person.card_query")
    assert refused.value.code == "MATTER_NOT_FOUND"
    assert card_before["count"] == Matter.objects.filter(department_id="card", enabled=True).count()


def test_matter_get_finds_an_enabled_matter_and_refuses_an_unknown_code(catalogue):
    assert matter_get(code="unit.retirement").name == "企业职工基本养老保险退休申请"
    with pytest.raises(NotFound) as refused:
        matter_get(code="unit.nothing")
    assert refused.value.code == "MATTER_NOT_FOUND"
    assert refused.value.message == "未找到事项“unit.nothing”，或该事项已停止办理"


def test_facets_count_enabled_matters_by_applicant_category_and_department(catalogue):
    facets = matter_facets()
    enabled = Matter.objects.filter(enabled=True)

    applicant = {f["value"]: f["count"] for f in facets["applicant"]}
    assert applicant == {
        "individual": enabled.filter(applicant_kind__in=["individual", "both"]).count(),
        "unit": enabled.filter(applicant_kind__in=["unit", "both"]).count(),
    }
    category = {f["value"]: f["count"] for f in facets["category"]}
    assert [f["value"] for f in facets["category"]] == [
        "社会保险",
        "就业创业",
        "人才人事",
        "劳动关系",
        "社会保障卡",
    ]
    assert sum(category.values()) == enabled.count()
    department = {f["value"]: f["count"] for f in facets["department"]}
    assert sum(department.values()) == enabled.count()
    assert department["card"] == enabled.filter(department_id="card").count()


# --- matters_for_applicant: one test per kind of actor ------------------------------------


def test_an_individual_may_apply_for_individual_and_both_matters(catalogue):
    user = make_individual()
    actor = actor_for(User.objects.get(pk=user.pk), actors.INDIVIDUAL)

    mine = set(codes(matters_for_applicant(actor=actor)))

    assert mine == set(codes(matters_public(applicant_kind="individual")))
    assert "unit.staff_enrol" not in mine


@pytest.mark.parametrize("role", ["legal_rep", "admin"])
def test_a_unit_manager_may_apply_for_every_unit_and_both_matter(catalogue, role):
    unit = make_unit()
    actor = unit_actor(make_member(unit, role), unit)

    mine = set(codes(matters_for_applicant(actor=actor)))

    assert mine == set(codes(matters_public(applicant_kind="unit")))
    assert "person.unemployment_benefit" not in mine


def test_a_unit_operator_may_apply_only_for_granted_unit_or_both_matters(catalogue):
    unit = make_unit()
    admin = make_member(unit, "admin")
    operator = make_member(unit, "operator", by=admin)
    membership = operator.memberships.get()
    for code in ["unit.staff_enrol", "both.pension_transfer_in", "person.card_apply"]:
        MatterGrant.objects.create(
            membership=membership, matter=Matter.objects.get(code=code), granted_by=admin
        )
    # a grant of a disabled matter gives nothing
    MatterGrant.objects.create(
        membership=membership, matter=Matter.objects.get(code="unit.staff_leave"), granted_by=admin
    )
    Matter.objects.filter(code="unit.staff_leave").update(enabled=False)

    mine = codes(matters_for_applicant(actor=unit_actor(operator, unit)))

    assert sorted(mine) == ["both.pension_transfer_in", "unit.staff_enrol"]


def test_an_operator_without_grants_may_apply_for_nothing(catalogue):
    unit = make_unit()
    operator = make_member(unit, "operator", by=make_member(unit, "admin"))

    assert codes(matters_for_applicant(actor=unit_actor(operator, unit))) == []


def test_grants_in_another_unit_do_not_count(catalogue):
    # given an operator granted a matter in unit A, acting for unit B where they hold no grant
    unit_a, unit_b = make_unit(name="甲公司"), make_unit(name="乙公司")
    admin_a = make_member(unit_a, "admin")
    operator = make_member(unit_a, "operator", by=admin_a)
    MatterGrant.objects.create(
        membership=operator.memberships.get(unit=unit_a),
        matter=Matter.objects.get(code="unit.staff_enrol"),
        granted_by=admin_a,
    )
    make_member(unit_b, "operator", user=operator, by=make_member(unit_b, "admin"))

    assert codes(matters_for_applicant(actor=unit_actor(operator, unit_b))) == []
    assert codes(matters_for_applicant(actor=unit_actor(operator, unit_a))) == ["unit.staff_enrol"]


def test_staff_partners_and_anonymous_visitors_may_apply_for_nothing(catalogue):
    partner = User.objects.create_user("bank01", "x", kind=User.Kind.PARTNER, name="合作银行")

    for actor in [
        ANONYMOUS_ACTOR,
        staff_actor(make_staff()),
        actor_for(partner, actors.PARTNER),
    ]:
        assert codes(matters_for_applicant(actor=actor)) == []


def test_matter_open_to_agrees_with_matters_for_applicant(catalogue):
    user = make_individual()
    actor = actor_for(User.objects.get(pk=user.pk), actors.INDIVIDUAL)

    assert matter_open_to(actor=actor, matter=Matter.objects.get(code="person.card_apply"))
    assert not matter_open_to(actor=actor, matter=Matter.objects.get(code="unit.staff_enrol"))
