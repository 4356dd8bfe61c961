"""The three portal centres: who may open them and what they show, on the demo hall."""

import pytest

from shebao.accounts.models import User
from shebao.demo.dataset import demo_load
from shebao.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall_data():
    return demo_load()


def _client_for(username: str, context: str):
    return signed_in(User.objects.get(username=username), context)


def _unit_context(username: str) -> str:
    user = User.objects.get(username=username)
    return f"unit:{user.memberships.get(revoked_at__isnull=True).unit_id}"


@pytest.mark.parametrize("path", ["/me/", "/unit/", "/staff/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path.replace('/', '%2F')}"


def test_individual_centre_shows_only_the_individuals_own_applications(client, hall_data):
    zhang = hall_data.accounts[0]
    li = hall_data.accounts[1]
    client = _client_for(zhang.username, "individual")

    page = client.get("/me/").content.decode()

    assert "个人中心" in page
    assert "失业保险金申领" in page  # 张伟's submitted claim
    assert "灵活就业人员参保登记" not in page.split("常办事项")[0]  # 李娜's, not his
    assert li.name not in page
    assert zhang.username not in page  # the ID number is masked
    assert zhang.username[:6] + "********" + zhang.username[14:] in page


@pytest.mark.parametrize(("path", "status"), [("/me/", 200), ("/unit/", 403), ("/staff/", 403)])
def test_an_individual_opens_only_the_individual_centre(client, hall_data, path, status):
    client = _client_for(hall_data.accounts[0].username, "individual")
    assert client.get(path).status_code == status


def test_unit_operator_sees_granted_matters_and_not_the_users_list(client, hall_data):
    yang = next(a for a in hall_data.accounts if a.role == "单位经办人")
    client = _client_for(yang.username, _unit_context(yang.username))

    page = client.get("/unit/").content.decode()

    assert "我的授权事项" in page
    assert "用人单位用工参保登记" in page
    assert "单位用户" not in page.split("我的授权事项")[0].split("<main")[1]
    assert "企业职工社会保险缴费基数申报" not in page  # not granted: neither offered nor listed


def test_unit_manager_sees_every_user_of_the_unit(client, hall_data):
    chen = next(a for a in hall_data.accounts if a.role == "单位管理员")
    client = _client_for(chen.username, _unit_context(chen.username))

    page = client.get("/unit/").content.decode()

    for name in ("刘志远", "陈晓燕", "杨帆"):
        assert name in page
    assert "吉林市船营区第一实验小学" not in page


@pytest.mark.parametrize(("path", "status"), [("/me/", 403), ("/unit/", 403), ("/staff/", 200)])
def test_staff_open_only_the_workbench(client, hall_data, path, status):
    client = _client_for("jl-dj-01", "staff")
    assert client.get(path).status_code == status


def test_workbench_counts_only_the_staff_members_own_districts(client, hall_data):
    client = _client_for("jl-dj-02", "staff")  # 船营区 registration
    page = client.get("/staff/").content.decode()
    assert "李娜" in page  # her flexible-employment enrolment, accepted 45 days ago: overdue
    assert "吉林市松江机械制造有限公司" not in page  # 昌邑区 unit: another district's case

    client = _client_for("jl-dj-01", "staff")
    page = client.get("/staff/").content.decode()
    assert "吉林市松江机械制造有限公司" in page
