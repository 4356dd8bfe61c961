"""Django admin of the catalogue: superusers browse and search the matters, and may only switch
a matter on or off; adding and deleting are not possible (the data files are the source)."""

from __future__ import annotations

import pytest

from shebao.accounts.models import User
from shebao.catalogue.models import Matter

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, catalogue):
    user = User.objects.create_superuser("root", "x", name="系统管理员")
    client.force_login(user)
    return client


def test_the_changelist_filters_and_searches(admin_client):
    response = admin_client.get("/admin/catalogue/matter/", {"q": "失业保险金"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "person.unemployment_benefit" in html
    assert "unit.staff_enrol" not in html
    filtered = admin_client.get(
        "/admin/catalogue/matter/", {"acceptance_mode__exact": "commitment"}
    )
    assert (
        filtered.context["cl"].result_count
        == Matter.objects.filter(acceptance_mode="commitment").count()
    )


def test_only_enabled_can_be_changed(admin_client):
    matter = Matter.objects.get(code="person.card_query")
    url = f"/admin/catalogue/matter/{matter.pk}/change/"

    response = admin_client.post(url, {"enabled": "", "name": "改名", "time_limit_days": "9"})

    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.enabled, matter.name, matter.time_limit_days) == (False, "社会保障卡信息查询", 1)


def test_matters_cannot_be_added_or_deleted(admin_client):
    matter = Matter.objects.get(code="person.card_query")

    assert admin_client.get("/admin/catalogue/matter/add/").status_code == 403
    assert admin_client.get(f"/admin/catalogue/matter/{matter.pk}/delete/").status_code == 403


def test_non_superusers_cannot_open_the_admin(client, catalogue):
    user = User.objects.create_user(
        "staff1", "x", kind=User.Kind.STAFF, name="经办", is_staff=False
    )
    client.force_login(user)

    response = client.get("/admin/catalogue/matter/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
