"""An instant matter (即办件) says so on every page an applicant sees: the form, the draft, the
finished case and the list. It never promises a time limit after acceptance, never asks to wait
for the agency, never asks for materials it does not need, and wears the 即办 badge.

The wording follows the matter's own ``instant`` flag and materials, so every instant matter of
the catalogue is checked, whatever its name.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.actors import actor_for
from shebao.applications import services
from shebao.applications.demo import sample_answers
from shebao.applications.handlers import handler_for_key
from shebao.applications.models import Application
from shebao.catalogue.models import Matter
from shebao.catalogue.services import catalogue_load
from shebao.hall.tests.test_public_text import visible_text
from shebao.policy.services import policy_load
from shebao.testing import make_individual, make_member, make_unit, signed_in

pytestmark = pytest.mark.django_db

# Each is wrong on a page of an instant matter.
WAITING = ("受理后", "等待经办机构受理", "经办机构受理审核", "直接办理")
# Wrong where the matter needs no materials.
MATERIALS = ("上传材料", "请上传")


def forbidden_phrases(page: str, matter: Matter) -> list[str]:
    text = visible_text(page.split('id="main">', 1)[1])
    phrases = WAITING + (() if matter.materials else MATERIALS)
    return [p for p in phrases if p in text]


@pytest.fixture
def hall(reference_data):
    catalogue_load()
    policy_load()


def _applicant(matter: Matter):
    if matter.applicant_kind == Matter.ApplicantKind.UNIT:
        unit = make_unit()
        user = make_member(unit, "legal_rep")
        context = f"{actors.UNIT}:{unit.pk}"
    else:
        user = make_individual(name="张三")
        context = actors.INDIVIDUAL
    return user, context


def _record_for(matter: Matter, user) -> dict[str, str]:
    """For an instant matter that changes a record the applicant must have (their own
    contact details as a flexible worker or a resident): give them that record, and return
    what they change (such forms have no required field: one changes what one fills in); for
    a card matter, give them their social security card."""
    from shebao.common.periods import YearMonth
    from shebao.insurance.models import Category, Insurance, Scheme
    from shebao.insurance.services import Opening, relations_open

    own = {
        "person.flexible_info_change": {"category": Category.FLEXIBLE},
        "person.resident_info_change": {"scheme": Scheme.RESIDENT, "category": Category.RESIDENT},
    }
    cards = {
        "person.ecard_apply": "active",
        "person.card_report_loss": "active",
        "person.card_cancel_loss": "lost",
    }
    if matter.code in cards:  # a card matter needs the applicant's card, in that state
        from shebao.testing import make_card

        make_card(user.person, status=cards[matter.code])
        return {}
    if matter.code not in own:
        return {}
    opening = Opening(user.person, (Insurance.PENSION,), YearMonth(2020, 1), **own[matter.code])
    relations_open(actor=None, openings=[opening], unit=None, district=user.person.district)
    return {"postal_code": "132001"}


def test_every_instant_matter_speaks_as_one_on_every_page(hall):
    instant = list(Matter.objects.filter(instant=True, enabled=True))
    assert instant, "the catalogue has instant matters"
    problems: dict[tuple[str, str], list[str]] = {}

    def check(code: str, where: str, response, matter: Matter) -> None:
        assert response.status_code == 200, (code, where, response.status_code)
        found = forbidden_phrases(response.content.decode(), matter)
        if found:
            problems[(code, where)] = found

    for matter in instant:
        user, context = _applicant(matter)
        client = signed_in(user, context)
        page = handler_for_key(matter.handler).page_url()
        if page:  # done on its own page at once (a query shows the record): nothing is filed
            opened = client.get(f"/applications/new/{matter.code}/", follow=True)
            assert opened.redirect_chain[-1][0] == page, matter.code
            check(matter.code, "page", opened, matter)
            continue
        check(matter.code, "form", client.get(f"/applications/new/{matter.code}/"), matter)

        actor = actor_for(user, context)
        answers = {
            **sample_answers(matter, actor, timezone.localdate()),
            **_record_for(matter, user),
        }
        draft, _ = services.application_create(actor=actor, matter=matter, data=answers)
        check(matter.code, "draft", client.get(f"/applications/{draft.number}/"), matter)

        done = client.post(
            f"/applications/{draft.number}/submit/", {"version": draft.version}, follow=True
        )
        draft.refresh_from_db()
        assert draft.status == Application.Status.COMPLETED, (matter.code, draft.status)
        check(matter.code, "done", done, matter)
        page = done.content.decode()
        assert re.search(r'class="badge[^"]*"[^>]*>已办结<', page)
        assert "即办" in visible_text(page)
        check(matter.code, "list", client.get("/applications/"), matter)
    assert problems == {}


def test_the_phrase_check_finds_what_a_direct_matter_says(hall):
    """The check can fail: a direct matter's form says what an instant one must not."""
    matter = Matter.objects.filter(instant=False, acceptance_mode="direct").exclude(materials=[])[0]
    user, context = _applicant(matter)
    page = signed_in(user, context).get(f"/applications/new/{matter.code}/").content.decode()
    assert {"受理后", "经办机构受理审核"} <= set(forbidden_phrases(page, matter))
    assert date.today()  # (no clock trick: the check reads the page as it is)
