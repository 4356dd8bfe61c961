import re

import pytest
from django.test import Client
from django.urls import reverse

from shebao.accounts.models import SignInEvent, UnitMembership, User, VerificationCode
from shebao.accounts.services import grants_version
from shebao.notifications.models import OutboundMessage
from shebao.registry.models import Unit
from shebao.testing import (
    PASSWORD,
    credit_code,
    id_number,
    last_code,
    make_individual,
    make_matter,
    make_member,
    make_person,
    make_staff,
    make_unit,
    mobile,
    signed_in,
)

pytestmark = pytest.mark.django_db
Role = UnitMembership.Role
LOGIN = "/accounts/login/"


def _text(response) -> str:
    return response.content.decode()


# ---- sign-in --------------------------------------------------------------------------------


def test_the_login_page_preselects_a_tab():
    client = Client()

    default = _text(client.get(LOGIN))
    unit = _text(client.get(LOGIN + "?as=unit"))
    staff = _text(client.get(LOGIN + "?as=staff"))
    unknown = _text(client.get(LOGIN + "?as=robot"))

    assert 'name="identifier"' in default and 'name="credit_code"' not in default
    assert 'name="credit_code"' in unit and 'name="id_number"' in unit
    assert "单位登录请使用统一社会信用代码和您本人的身份证号" in unit
    assert "使用CA证书（U-KEY）登录" in unit and reverse("pki:login") in unit
    assert 'name="staff_number"' in staff
    assert 'name="identifier"' in unknown


@pytest.mark.urls("shebao.accounts.tests.urls_centers")
def test_after_sign_in_each_kind_goes_to_its_portal():
    user = make_individual()
    unit = make_unit()
    member = make_member(unit, Role.OPERATOR)
    staff = make_staff(username="S2001")

    individual = Client().post(
        LOGIN, {"as": "individual", "identifier": user.mobile, "password": PASSWORD}
    )
    as_unit = Client().post(
        LOGIN,
        {
            "as": "unit",
            "credit_code": unit.credit_code,
            "id_number": member.username,
            "password": PASSWORD,
        },
    )
    as_staff = Client().post(LOGIN, {"as": "staff", "staff_number": "S2001", "password": PASSWORD})

    assert (individual.status_code, individual["Location"]) == (302, "/me/")
    assert as_unit["Location"] == "/unit/"
    assert as_staff["Location"] == "/work/"
    assert staff.pk


@pytest.mark.urls("shebao.accounts.tests.urls_home_only")
def test_without_the_portals_sign_in_goes_home():
    user = make_individual()

    response = Client().post(
        LOGIN, {"as": "individual", "identifier": user.username, "password": PASSWORD}
    )

    assert response["Location"] == "/"


def test_a_safe_next_is_honoured_and_an_outside_one_ignored():
    user = make_individual()
    data = {"as": "individual", "identifier": user.username, "password": PASSWORD}

    inside = Client().post(LOGIN + "?next=/applications/", data)
    outside = Client().post(LOGIN, {**data, "next": "https://evil.example/steal"})

    assert inside["Location"] == "/applications/"
    assert outside["Location"] != "https://evil.example/steal"
    assert outside["Location"].startswith("/")


def test_a_protected_page_sends_an_anonymous_visitor_to_sign_in_and_back():
    response = Client().get("/accounts/password/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Faccounts%2Fpassword%2F"


def test_a_wrong_password_shows_one_message_with_the_attempts_left(settings):
    settings.SHEBAO_LOGIN_MAX_FAILURES = 2
    user = make_individual()
    client = Client()

    first = client.post(LOGIN, {"as": "individual", "identifier": user.username, "password": "x"})
    second = client.post(LOGIN, {"as": "individual", "identifier": user.username, "password": "x"})
    third = client.post(
        LOGIN, {"as": "individual", "identifier": user.username, "password": PASSWORD}
    )

    assert first.status_code == 200
    assert "账号或密码错误，还可尝试 1 次" in _text(first)
    assert "连续登录失败次数过多，账号已锁定至" in _text(second)
    assert "账号已锁定至" in _text(third)
    assert "_auth_user_id" not in client.session


def test_empty_fields_get_chinese_messages():
    response = Client().post(LOGIN, {"as": "unit"})

    page = _text(response)
    assert "请填写统一社会信用代码" in page
    assert "请填写您本人的公民身份号码" in page
    assert "请填写登录密码" in page


def test_a_malformed_id_number_is_shown_next_to_its_field():
    response = Client().post(
        LOGIN, {"as": "individual", "identifier": "22020219800101001X", "password": "x"}
    )

    assert "公民身份号码校验位不正确，请核对后重新输入" in _text(response)
    assert SignInEvent.objects.count() == 0


def test_logout_is_post_only_and_recorded():
    user = make_individual()
    client = signed_in(user, "individual")

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert SignInEvent.objects.get().outcome == "sign_out"


def test_a_temporary_password_leads_to_the_change_page_first():
    user = make_individual()
    User.objects.filter(pk=user.pk).update(password_must_change=True)
    client = Client()

    response = client.post(
        LOGIN, {"as": "individual", "identifier": user.username, "password": PASSWORD}
    )
    assert response["Location"] == "/accounts/password/"
    assert client.get("/accounts/unit/users/")["Location"] == "/accounts/password/"
    assert client.get("/")["Location"] == "/accounts/password/"
    page = client.get("/accounts/password/")
    assert "您使用的是经办机构发放的临时密码" in _text(page)

    done = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": "Own-pass-2026",
            "new_password2": "Own-pass-2026",
        },
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 200


# ---- registration ---------------------------------------------------------------------------


def _register_data(**overrides):
    data = {
        "name": "李丽",
        "id_number": "",
        "mobile": "",
        "code": "",
        "password": PASSWORD,
        "password2": PASSWORD,
        "district": "",
        "submission_key": "reg-form-1",
    }
    data.update(overrides)
    return data


def test_the_registration_page_groups_districts_by_city():
    page = _text(Client().get("/accounts/register/"))

    assert '<optgroup label="吉林省 · 吉林市">' in page
    assert '<option value="220202">昌邑区</option>' in page
    assert "获取验证码" in page and 'hx-post="/accounts/code/"' in page


def test_register_through_the_page_with_the_code_button():
    person = make_person(name="李丽")
    number = mobile()
    client = Client()

    status = client.post(
        "/accounts/code/", {"purpose": "register", "mobile": number}, HTTP_HX_REQUEST="true"
    )
    assert "验证码已发送至 " + number[:3] + "****" + number[7:] in _text(status)

    response = client.post(
        "/accounts/register/",
        _register_data(id_number=person.id_number, mobile=number, code=last_code(number)),
    )

    assert response.status_code == 302
    user = User.objects.get(username=person.id_number)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["shebao_context"] == "individual"


def test_the_code_button_works_without_javascript_and_keeps_the_input():
    number = mobile()

    response = Client().post(
        "/accounts/register/",
        _register_data(name="周敏", mobile=number, action="send_code", password="secret-typed"),
    )

    page = _text(response)
    assert response.status_code == 200
    assert OutboundMessage.objects.filter(to=number).count() == 1
    assert "验证码已发送至" in page
    assert 'value="周敏"' in page
    assert "secret-typed" not in page
    assert "请填写" not in page  # no errors for fields not filled yet


def test_a_double_submitted_registration_creates_one_account():
    person = make_person(name="李丽")
    number = mobile()
    Client().post("/accounts/code/", {"purpose": "register", "mobile": number})
    data = _register_data(id_number=person.id_number, mobile=number, code=last_code(number))

    first = Client().post("/accounts/register/", data)
    second = Client().post("/accounts/register/", data, follow=True)

    assert first.status_code == 302
    assert User.objects.filter(username=person.id_number).count() == 1
    assert "您的注册已经提交成功，请直接登录。" in _text(second)


def test_registration_refusals_are_shown_in_chinese_and_nothing_is_written():
    person = make_person(name="李丽")
    number = mobile()
    Client().post("/accounts/code/", {"purpose": "register", "mobile": number})

    mismatch = Client().post(
        "/accounts/register/",
        _register_data(
            name="李力", id_number=person.id_number, mobile=number, code=last_code(number)
        ),
    )
    passwords = Client().post(
        "/accounts/register/",
        _register_data(
            id_number=person.id_number, mobile=number, code="123456", password2="Other-pass-1"
        ),
    )

    assert "姓名与公民身份号码不一致" in _text(mismatch)
    assert "两次输入的密码不一致" in _text(passwords)
    assert User.objects.count() == 0


def test_the_code_button_reports_refusals():
    number = mobile()
    client = Client()
    client.post("/accounts/code/", {"purpose": "register", "mobile": number})

    again = client.post("/accounts/code/", {"purpose": "register", "mobile": number})
    bad = client.post("/accounts/code/", {"purpose": "register", "mobile": "123"})
    hostile = client.post("/accounts/code/", {"purpose": "activation", "mobile": number})

    assert re.search(r"验证码发送过于频繁，请 \d+ 秒后再获取", _text(again))
    assert "手机号码应为11位数字" in _text(bad)
    assert "验证码用途不正确" in _text(hostile)
    assert VerificationCode.objects.count() == 1


def test_unit_registration_page_signs_the_legal_representative_in_as_the_unit():
    unit = make_unit()
    number = mobile()
    client = Client()
    client.post("/accounts/code/", {"purpose": "unit_register", "mobile": number})

    response = client.post(
        "/accounts/register/unit/",
        {
            "credit_code": unit.credit_code,
            "unit_name": unit.name,
            "rep_name": "王建国",
            "rep_id_number": unit.legal_rep_id_number,
            "mobile": number,
            "code": last_code(number),
            "password": PASSWORD,
            "password2": PASSWORD,
            "submission_key": "u1",
        },
    )

    assert response.status_code == 302
    assert client.session["shebao_context"] == f"unit:{unit.pk}"


def test_unit_registration_mismatch_gives_the_counter_advice():
    unit = make_unit()
    number = mobile()
    Client().post("/accounts/code/", {"purpose": "unit_register", "mobile": number})

    response = Client().post(
        "/accounts/register/unit/",
        {
            "credit_code": unit.credit_code,
            "unit_name": unit.name,
            "rep_name": "赵六",
            "rep_id_number": id_number(),
            "mobile": number,
            "code": last_code(number),
            "password": PASSWORD,
            "password2": PASSWORD,
            "submission_key": "u2",
        },
    )

    page = _text(response)
    assert "法定代表人信息与登记信息不符，请携带营业执照、身份证原件到窗口办理线下注册" in page
    assert "线下注册办法" in page
    assert UnitMembership.objects.count() == 0


# ---- passwords ------------------------------------------------------------------------------


def test_password_reset_page():
    user = make_individual()
    client = Client()
    client.post(
        "/accounts/code/",
        {"purpose": "password_reset", "mobile": user.mobile, "id_number": user.username},
    )

    response = client.post(
        "/accounts/password/reset/",
        {
            "id_number": user.username,
            "mobile": user.mobile,
            "code": last_code(user.mobile),
            "new_password": "Reset-pass-2026",
            "new_password2": "Reset-pass-2026",
        },
        follow=True,
    )

    assert "密码已重设，账号已解除锁定。请使用新密码登录。" in _text(response)
    assert User.objects.get(pk=user.pk).check_password("Reset-pass-2026")


def test_password_change_page_shows_recent_sign_ins_and_keeps_the_session():
    user = make_individual()
    client = Client()
    client.post(LOGIN, {"as": "individual", "identifier": user.username, "password": PASSWORD})

    page = client.get("/accounts/password/")
    assert "最近登录记录" in _text(page) and "登录成功" in _text(page)
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password": "Own-pass-2026", "new_password2": "Own-pass-2026"},
    )
    assert "原密码不正确" in _text(wrong)
    done = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password": "Own-pass-2026",
            "new_password2": "Own-pass-2026",
        },
    )
    assert done.status_code == 302
    assert client.get("/accounts/password/").status_code == 200  # still signed in


# ---- unit users -----------------------------------------------------------------------------


@pytest.fixture
def team():
    unit = make_unit()
    legal_rep = make_member(unit, Role.LEGAL_REP)
    admin = make_member(unit, Role.ADMIN, by=legal_rep)
    operator = make_member(unit, Role.OPERATOR, by=admin)
    return unit, legal_rep, admin, operator


def test_managers_see_the_users_and_the_appoint_form(team):
    unit, legal_rep, admin, operator = team

    as_rep = _text(signed_in(legal_rep, f"unit:{unit.pk}").get("/accounts/unit/users/"))
    as_admin = _text(signed_in(admin, f"unit:{unit.pk}").get("/accounts/unit/users/"))

    for page in (as_rep, as_admin):
        assert "单位用户管理" in page and "经办人乙" in page and "开通授权" in page
        assert operator.username not in page  # ID numbers are masked
        assert operator.username[:6] + "********" + operator.username[14:] in page
    assert "单位管理员（可办理本单位全部业务" in as_rep
    assert "单位管理员（可办理本单位全部业务" not in as_admin
    assert "只有法定代表人可以设置单位管理员" in as_admin


def test_an_operator_sees_only_their_own_matters(team):
    unit, _legal_rep, admin, operator = team
    granted, other = (
        make_matter(
            "enrol",
            applicant_kind="unit",
            department="registration",
            category="参保登记",
            materials=[],
            fields=[],
            name="用工参保登记",
        ),
        make_matter(
            "leave",
            applicant_kind="unit",
            department="registration",
            category="参保登记",
            materials=[],
            fields=[],
            name="退工停保",
        ),
    )
    client = signed_in(admin, f"unit:{unit.pk}")
    membership = UnitMembership.objects.get(user=operator)
    client.post(
        f"/accounts/unit/users/{membership.pk}/grants/",
        {"matters": [granted.pk], "version": grants_version([])},
    )

    page = _text(signed_in(operator, f"unit:{unit.pk}").get("/accounts/unit/users/"))
    refused = signed_in(operator, f"unit:{unit.pk}").post(
        "/accounts/unit/users/", {"role": "operator"}
    )

    assert "我可以办理的事项" in page and "用工参保登记" in page and "退工停保" not in page
    assert "管理员甲" not in page and "开通授权" not in page
    assert refused.status_code == 403
    assert other.pk


def test_appoint_revoke_and_grant_through_the_pages(team):
    unit, legal_rep, admin, _operator = team
    matter = make_matter(
        "enrol",
        applicant_kind="unit",
        department="registration",
        category="参保登记",
        materials=[],
        fields=[],
        name="用工参保登记",
    )
    person = make_person(name="新经办")
    client = signed_in(admin, f"unit:{unit.pk}")

    appointed = client.post(
        "/accounts/unit/users/",
        {
            "role": "operator",
            "name": "新经办",
            "id_number": person.id_number,
            "mobile": mobile(),
            "submission_key": "appoint-1",
        },
    )
    membership = UnitMembership.objects.get(user__username=person.id_number)
    assert appointed["Location"] == f"/accounts/unit/users/{membership.pk}/grants/"

    sheet = client.get(appointed["Location"])
    assert "经办事项授权：新经办" in _text(sheet) and "用工参保登记" in _text(sheet)
    saved = client.post(
        appointed["Location"], {"matters": [matter.pk], "version": grants_version([])}, follow=True
    )
    assert "已为 新经办 新增授权 1 项、取消 0 项，立即生效。" in _text(saved)
    stale = client.post(appointed["Location"], {"matters": [], "version": grants_version([])})
    assert "该经办人的授权已被他人修改，本次提交未保存。请刷新页面后重新勾选。" in _text(stale)
    assert membership.grants.count() == 1

    revoked = client.post(f"/accounts/unit/users/{membership.pk}/revoke/", follow=True)
    assert "已取消 新经办 的单位经办人授权，立即生效。" in _text(revoked)
    denied = client.post(
        f"/accounts/unit/users/{UnitMembership.objects.get(user=legal_rep).pk}/revoke/", follow=True
    )
    assert "法定代表人不能在此设置或取消" in _text(denied)


def test_an_appointment_refusal_is_shown_on_the_form(team):
    unit, _legal_rep, admin, _operator = team

    response = signed_in(admin, f"unit:{unit.pk}").post(
        "/accounts/unit/users/",
        {
            "role": "admin",
            "name": "x",
            "id_number": id_number(),
            "mobile": mobile(),
        },
    )

    assert response.status_code == 200
    assert "请选择角色" in _text(response)  # an administrator is not offered the admin role
    assert UnitMembership.objects.count() == 3


# ---- counter registration -------------------------------------------------------------------


def test_counter_lookup_and_registration_of_a_new_unit():
    staff = make_staff(districts=("220202",))
    client = signed_in(staff, "staff")
    code = credit_code()
    rep_id = id_number()

    lookup = client.get(f"/accounts/counter/unit/?credit_code={code}")
    assert "登记信息中没有统一社会信用代码为" in _text(lookup)
    assert '<option value="220202">昌邑区</option>' in _text(lookup)
    assert '<option value="220203">' not in _text(lookup)

    done = client.post(
        "/accounts/counter/unit/",
        {
            "credit_code": code,
            "unit_name": "吉林市新开商贸有限公司",
            "unit_kind": "enterprise",
            "unit_district": "220202",
            "legal_rep_name": "孙八",
            "legal_rep_id_number": rep_id,
            "holder_role": "legal_rep",
            "holder_name": "孙八",
            "holder_id_number": rep_id,
            "holder_mobile": mobile(),
            "submission_key": "c1",
        },
        follow=True,
    )

    page = _text(done)
    assert "已登记单位信息，已为吉林市新开商贸有限公司开通网上办事账号：孙八（法定代表人）" in page
    assert "临时密码已通过短信发送至" in page
    assert Unit.objects.get(credit_code=code).district_id == "220202"


def test_counter_page_refuses_a_unit_of_another_district():
    staff = make_staff(districts=("220203",))
    unit = make_unit(district="220202")

    response = signed_in(staff, "staff").get(
        f"/accounts/counter/unit/?credit_code={unit.credit_code}"
    )

    assert response.status_code == 403
    assert "该单位的参保地不在您负责的区县" in _text(response)
    assert 'name="holder_name"' not in _text(response)


def test_recording_a_new_unit_at_the_counter_needs_its_details():
    staff = make_staff(districts=("220202",))
    code = credit_code()

    response = signed_in(staff, "staff").post(
        "/accounts/counter/unit/",
        {
            "credit_code": code,
            "holder_role": "legal_rep",
            "holder_name": "孙八",
            "holder_id_number": id_number(),
            "holder_mobile": mobile(),
            "submission_key": "c2",
        },
    )

    page = _text(response)
    for message in (
        "请填写单位名称",
        "请选择单位类型",
        "请选择参保地（区县）",
        "请填写法定代表人姓名",
    ):
        assert message in page
    assert not Unit.objects.filter(credit_code=code).exists()


def test_registering_counts_as_a_sign_in_in_the_history():
    person = make_person(name="李丽")
    number = mobile()
    client = Client()
    client.post("/accounts/code/", {"purpose": "register", "mobile": number})
    client.post(
        "/accounts/register/",
        _register_data(id_number=person.id_number, mobile=number, code=last_code(number)),
    )

    event = SignInEvent.objects.get()
    assert (event.outcome, event.code, event.context) == ("success", "REGISTERED", "individual")
    assert "登录成功" in _text(client.get("/accounts/password/"))
