"""The catalogue's query matters (seed 000: 参保信息查询, 缴费信息查询, 待遇信息查询, 发放信息查询)
open the record they name at once and are never filed as applications; a query with nothing
to show says so."""

from __future__ import annotations

import pytest

from shebao.applications.models import Application
from shebao.testing import make_individual, signed_in

pytestmark = pytest.mark.django_db

QUERIES = {
    "person.query_insurance": "/insurance/me/",
    "person.query_contributions": "/contributions/me/",
    "person.query_benefits": "/me/benefits/",
    "person.query_payments": "/me/benefits/payouts/",
}


@pytest.fixture
def hall(reference_data):
    from shebao.catalogue.services import catalogue_load
    from shebao.policy.services import policy_load

    catalogue_load()
    policy_load()


def test_each_query_matter_opens_its_record_page_at_once(hall):
    from shebao.catalogue.models import Matter

    client = signed_in(make_individual(name="钱七"), "individual")
    for code, page in QUERIES.items():
        matter = Matter.objects.get(code=code)
        assert matter.instant and matter.handler, code
        response = client.get(f"/applications/new/{code}/")
        assert (response.status_code, response["Location"]) == (302, page), code
        assert client.get(page).status_code == 200, code
    assert Application.objects.count() == 0


def test_a_query_is_never_filed_as_an_application(hall):
    from django.test import Client

    from shebao.accounts.tokens import token_issue

    user = make_individual(name="钱七")
    token = token_issue(user=user, context="individual")
    for code in QUERIES:
        response = Client().post(
            "/api/v1/applications/",
            data={"matter": code, "data": {}},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert (response.status_code, response.json()["code"]) == (
            422,
            "MATTER_DONE_ON_ITS_PAGE",
        ), code
    assert Application.objects.count() == 0


def test_queries_with_nothing_to_show_say_so(hall):
    client = signed_in(make_individual(name="钱七"), "individual")
    assert "没有缴费记录" in client.get("/contributions/me/").content.decode()
    assert "还没有已缴费的养老保险月份" in client.get("/contributions/me/").content.decode()
    assert "没有社会保险待遇记录" in client.get("/me/benefits/").content.decode()
    payouts = client.get("/me/benefits/payouts/").content.decode()
    assert "没有待遇发放记录" in payouts and "还没有已核定的社会保险待遇" in payouts


def test_the_benefit_page_lists_the_persons_own_claims_by_outcome(hall):
    from shebao.applications import services
    from shebao.catalogue.models import Matter
    from shebao.testing import act

    user = make_individual(name="钱七")
    other = make_individual(name="孙八")
    matter = Matter.objects.get(code="person.unemployment_benefit")
    mine, _ = services.application_create(actor=act(user), matter=matter, data={})
    Application.objects.filter(pk=mine.pk).update(status=Application.Status.APPROVED)
    theirs, _ = services.application_create(actor=act(other), matter=matter, data={})
    Application.objects.filter(pk=theirs.pk).update(status=Application.Status.SUBMITTED)
    page = signed_in(user, "individual").get("/me/benefits/").content.decode()
    assert mine.number in page and theirs.number not in page and "已核定的待遇" in page
    payouts = signed_in(user, "individual").get("/me/benefits/payouts/").content.decode()
    assert "您有 1 项已核定的待遇（失业保险金申领）" in payouts
    draft_only = make_individual(name="周九")
    services.application_create(actor=act(draft_only), matter=matter, data={})
    assert (
        "没有社会保险待遇记录"
        in signed_in(draft_only, "individual").get("/me/benefits/").content.decode()
    )
