import re

import pytest
from django.test import Client
from django.utils import timezone

from shebao.accounts.models import AccountEvent, ApiToken, SignInEvent, StaffProfile, User
from shebao.testing import make_individual, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client():
    root = User.objects.create_superuser("root", "Root-pass-2026", name="系统管理员")
    client = Client()
    client.force_login(root)
    return client


def test_a_superuser_creates_a_staff_member_and_sets_department_and_districts(superuser_client):
    added = superuser_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "S9001",
            "kind": "staff",
            "name": "钱经办",
            "mobile": "",
            "password1": "Staff-pass-2026",
            "password2": "Staff-pass-2026",
            "usable_password": "true",
        },
    )
    staff = User.objects.get(username="S9001")
    assert added.status_code == 302 and staff.check_password("Staff-pass-2026")

    page = superuser_client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    assert "经办人员信息（所在部门与负责区县）" in page
    assert 'id="id_staff_profile-0-districts"' in page and "selectfilter" in page.lower()
    assert "220200" not in re.findall(r'<option value="(\d{6})"', page)  # districts only

    data = {
        "username": "S9001",
        "kind": "staff",
        "name": "钱经办",
        "mobile": "",
        "is_active": "on",
        "date_joined_0": "2026-03-02",
        "date_joined_1": "09:00:00",
        "staff_profile-TOTAL_FORMS": "1",
        "staff_profile-INITIAL_FORMS": "0",
        "staff_profile-MIN_NUM_FORMS": "0",
        "staff_profile-MAX_NUM_FORMS": "1",
        "staff_profile-0-department": "unemployment",
        "staff_profile-0-title": "审核岗",
        "staff_profile-0-districts": ["220202", "220203"],
    }
    saved = superuser_client.post(f"/admin/accounts/user/{staff.pk}/change/", data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    profile = StaffProfile.objects.get(user=staff)
    assert profile.department_id == "unemployment"
    assert sorted(profile.districts.values_list("code", flat=True)) == ["220202", "220203"]


def test_passwords_are_set_through_the_hashing_form(superuser_client):
    staff = make_staff(username="S9002")

    page = superuser_client.get(f"/admin/accounts/user/{staff.pk}/password/")
    saved = superuser_client.post(
        f"/admin/accounts/user/{staff.pk}/password/",
        {
            "password1": "Fresh-pass-2026",
            "password2": "Fresh-pass-2026",
            "usable_password": "true",
        },
    )

    assert page.status_code == 200
    assert saved.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("Fresh-pass-2026") and not staff.password.startswith("Fresh")


def test_the_unlock_action_is_audited(superuser_client):
    user = make_individual()
    User.objects.filter(pk=user.pk).update(failed_logins=2, locked_until=timezone.now())

    superuser_client.post(
        "/admin/accounts/user/", {"action": "unlock", "_selected_action": [user.pk]}
    )

    user.refresh_from_db()
    assert (user.failed_logins, user.locked_until) == (0, None)
    assert AccountEvent.objects.get().action == "account_unlocked"


def test_the_partner_token_action_shows_the_token_once(superuser_client):
    partner = User.objects.create_user("bank-2", None, kind=User.Kind.PARTNER, name="某银行")
    individual = make_individual()

    response = superuser_client.post(
        "/admin/accounts/user/",
        {"action": "issue_partner_token", "_selected_action": [partner.pk, individual.pk]},
        follow=True,
    )

    page = response.content.decode()
    raw = re.search(r"(sb_[0-9a-f]{12}_[\w-]+)", page).group(1)
    assert "只显示这一次" in page
    assert "未找到合作渠道用户" in page  # the individual was not given one
    token = ApiToken.objects.get()
    assert (token.user, token.context) == (partner, "partner")
    assert raw not in token.key_hash


def test_audit_tables_are_read_only(superuser_client):
    SignInEvent.objects.create(identifier="x", channel="page", outcome="failure")

    assert superuser_client.get("/admin/accounts/signinevent/").status_code == 200
    assert superuser_client.get("/admin/accounts/signinevent/add/").status_code == 403
    assert superuser_client.get("/admin/accounts/accountevent/add/").status_code == 403
    event = SignInEvent.objects.get()
    assert (
        superuser_client.post(
            f"/admin/accounts/signinevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/accounts/staffprofile/",
        "/admin/accounts/unitmembership/",
        "/admin/accounts/mattergrant/",
        "/admin/accounts/apitoken/",
        "/admin/accounts/accountevent/",
        "/admin/accounts/verificationcode/",
    ],
)
def test_admin_pages_open(superuser_client, url):
    assert superuser_client.get(url).status_code == 200
