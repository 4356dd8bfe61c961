"""The consultation directory is shown where a person looks for help: on the home page (the
whole directory of the visitor's region, with the hours from policy) and on each matter's page
(a 咨询 box with the sections of the matter's department)."""

from __future__ import annotations

import pytest

from shebao.registry.directory import directory_for
from shebao.testing import signed_in

pytestmark = pytest.mark.django_db

HOTLINE = "0432-69912333"


def box(page: str) -> str:
    """The 咨询 box of a page."""
    start = page.index('id="consult"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def catalogue(world):
    from shebao.catalogue.services import catalogue_load

    catalogue_load()


def test_the_home_page_shows_the_regions_whole_directory_and_hours(client, world):
    consult = box(client.get("/?region=220200").content.decode())

    assert "咨询与约办 · 吉林市" in consult
    assert f'href="tel:{HOTLINE}"' in consult
    jilin = directory_for("220200")
    for contact in jilin.contacts:
        assert contact.name in consult
        for phone in contact.phones:
            assert f'href="tel:0432-{phone}"' in consult
        for group in contact.groups:
            assert all(number in consult for number in group.numbers)
    # the hours are Jilin's policy (seed 000 附件1), not a sentence of the template
    assert "工作日上午 08:30—11:30，下午 13:30—17:00" in consult
    assert 'href="/appointments/directory/?region=220200"' in consult


def test_a_region_without_a_published_directory_points_to_12333(client, world):
    consult = box(client.get("/?region=320400").content.decode())
    assert "暂未公布咨询与约办电话" in consult and 'href="tel:12333"' in consult
    assert HOTLINE not in consult


def test_a_matter_page_has_a_consultation_box_for_its_department(client, world, catalogue):
    page = client.get("/matters/person.unemployment_benefit/?region=220200").content.decode()
    consult = box(page)

    assert f'href="tel:{HOTLINE}"' in consult
    assert "本事项承办部门的约办电话和在线咨询群" in consult
    assert "失业保险处" in consult and 'href="tel:0432-69983087"' in consult
    assert "1087151987" in consult
    # the other sections are on the directory page, not in the matter's box
    assert "企业职工养老保险处" not in consult and "69983072" not in consult
    assert 'href="/appointments/directory/?region=220200"' in consult
    # anonymous visitors are not offered the booking form; a signed-in person is, for the desk
    assert "网上预约" not in consult
    signed = box(
        signed_in(world.a, "individual")
        .get("/matters/person.unemployment_benefit/?region=220200")
        .content.decode()
    )
    assert 'href="/appointments/?department=unemployment">网上预约' in signed


def test_unit_users_who_may_book_for_the_unit_are_offered_the_booking_form(world, catalogue):
    from shebao.testing import make_member, make_unit

    unit = make_unit()
    manager = make_member(unit, "admin")
    operator = make_member(unit, "operator")  # not granted 业务预约（约办）
    context = f"unit:{unit.pk}"
    page = "/matters/person.unemployment_benefit/?region=220200"

    offered = box(signed_in(manager, context).get(page).content.decode())
    assert 'href="/appointments/?department=unemployment">网上预约' in offered
    directory = signed_in(manager, context).get("/appointments/directory/").content.decode()
    assert 'href="/appointments/">网上预约' in directory
    # an operator without the grant would only be refused by the booking page: no link
    assert "网上预约" not in box(signed_in(operator, context).get(page).content.decode())
    directory = signed_in(operator, context).get("/appointments/directory/").content.decode()
    assert 'href="/appointments/">网上预约' not in directory


def test_a_matter_whose_department_the_directory_does_not_list_shows_every_section(
    client, world, catalogue
):
    consult = box(client.get("/matters/person.card_apply/?region=220200").content.decode())
    assert "本事项承办部门" not in consult
    assert f'href="tel:{HOTLINE}"' in consult
    assert all(c.name in consult for c in directory_for("220200").contacts)
