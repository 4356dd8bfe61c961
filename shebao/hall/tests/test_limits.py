"""Limits, path by path: password sign-in on every tab, in the API and at /admin/; U-KEY
sign-in and challenges; registration and password reset; the same answer time for unknown,
locked and wrong. ``test_limits_coverage.py`` proves no anonymous route is left out."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from shebao.accounts.models import SignInEvent, User, VerificationCode
from shebao.accounts.services import account_register, code_send, unit_register_online
from shebao.common.errors import DomainError
from shebao.pki.models import CaChallenge, CaSignInAttempt
from shebao.testing import (
    PASSWORD,
    credit_code,
    id_number,
    last_code,
    make_individual,
    make_member,
    make_staff,
    make_unit,
)

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.9"


@pytest.fixture(autouse=True)
def _reference(reference_data):
    pass


def allow(settings, name: str, count: int, window: int = 600) -> None:
    settings.SHEBAO_LIMITS = {**settings.SHEBAO_LIMITS, name: (count, window)}


def client(address: str = ADDRESS) -> Client:
    return Client(REMOTE_ADDR=address)


def assert_limited_page(response) -> None:
    page = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "请求过于频繁" in page and "RATE_LIMITED" in page
    assert "后再试" in page


def assert_limited_api(response) -> None:
    body = response.json()
    assert response.status_code == 429
    assert body["code"] == "RATE_LIMITED"
    assert body["retry_after"] == int(response["Retry-After"]) > 0
    assert "后再试" in body["message"]


# ---- password sign-in, across accounts ------------------------------------------------------


def test_48_id_numbers_from_one_client_in_a_row_are_stopped_after_the_allowance(settings):
    """The defect as found: one client tries 48 ID numbers; the default allowance is 20."""
    allowance, _ = settings.SHEBAO_LIMITS["signin_failures"]
    browser = client()
    statuses = [
        browser.post(
            "/accounts/login/",
            {"as": "individual", "identifier": id_number(), "password": "Guess-2026"},
        ).status_code
        for _ in range(48)
    ]

    assert statuses == [200] * allowance + [429] * (48 - allowance)
    assert SignInEvent.objects.count() == allowance  # refused requests write nothing


def _login_data(tab: str, unit_code: str) -> dict[str, str]:
    if tab == "individual":
        return {"as": tab, "identifier": id_number(), "password": "Guess-2026"}
    if tab == "unit":
        return {
            "as": tab,
            "credit_code": unit_code,
            "id_number": id_number(),
            "password": "Guess-2026",
        }
    return {"as": tab, "staff_number": f"S{id_number()[-6:]}", "password": "Guess-2026"}


@pytest.mark.parametrize("tab", ["individual", "unit", "staff"])
def test_every_sign_in_tab_limits_failures_per_address_across_accounts(settings, tab):
    allow(settings, "signin_failures", 3)
    unit = make_unit()
    browser = client()

    answers = [
        browser.post("/accounts/login/", _login_data(tab, unit.credit_code)) for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all("账号或密码错误" in a.content.decode() for a in answers)

    refused = browser.post("/accounts/login/", _login_data(tab, unit.credit_code))
    assert_limited_page(refused)
    assert SignInEvent.objects.count() == 3

    # Another client is not held up by this one.
    elsewhere = client(OTHER_ADDRESS).post("/accounts/login/", _login_data(tab, unit.credit_code))
    assert elsewhere.status_code == 200


def test_a_limited_address_cannot_sign_in_even_with_the_right_password(settings):
    allow(settings, "signin_failures", 2)
    user = make_individual()
    browser = client()
    for _ in range(2):
        browser.post("/accounts/login/", {"identifier": id_number(), "password": "Guess-2026"})

    refused = browser.post("/accounts/login/", {"identifier": user.username, "password": PASSWORD})

    assert_limited_page(refused)
    assert "_auth_user_id" not in browser.session
    assert not SignInEvent.objects.filter(user=user).exists()


def test_successful_sign_ins_do_not_use_up_the_allowance(settings):
    """A service hall's shared address signs many people in."""
    allow(settings, "signin_failures", 2)
    users = [make_individual() for _ in range(5)]
    for user in users:
        answer = client().post(
            "/accounts/login/", {"identifier": user.username, "password": PASSWORD}
        )
        assert answer.status_code == 302


def test_the_api_token_limits_failures_per_address_with_json_and_retry_after(settings):
    allow(settings, "signin_failures", 2)
    api = client()

    def attempt():
        return api.post(
            "/api/v1/auth/token",
            {"username": id_number(), "password": "Guess-2026", "context": "individual"},
            content_type="application/json",
        )

    assert [attempt().status_code for _ in range(2)] == [401, 401]
    refused = attempt()
    assert_limited_api(refused)
    assert SignInEvent.objects.filter(channel="api").count() == 2


def test_pages_and_api_share_one_count(settings):
    allow(settings, "signin_failures", 2)
    browser = client()
    browser.post("/accounts/login/", {"identifier": id_number(), "password": "Guess-2026"})
    browser.post(
        "/api/v1/auth/token",
        {"username": id_number(), "password": "Guess-2026", "context": "individual"},
        content_type="application/json",
    )

    assert_limited_page(
        browser.post("/accounts/login/", {"identifier": id_number(), "password": "Guess-2026"})
    )


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(settings):
    allow(settings, "signin_failures", 2)
    browser = client()
    for n in range(2):
        browser.post(
            "/accounts/login/",
            {"identifier": id_number(), "password": "Guess-2026"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )

    refused = browser.post(
        "/accounts/login/",
        {"identifier": id_number(), "password": "Guess-2026"},
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )

    assert_limited_page(refused)


# ---- /admin/ --------------------------------------------------------------------------------


@pytest.fixture
def root():
    return User.objects.create_superuser("root", "Root-pass-2026", name="系统管理员")


def _admin_login(browser: Client, password: str, username: str = "root"):
    return browser.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )


def test_admin_sign_in_is_audited_and_locks_like_the_hall(settings, root):
    settings.SHEBAO_LOGIN_MAX_FAILURES = 3
    browser = client()

    wrong = [_admin_login(browser, "Guess-2026") for _ in range(3)]
    assert [w.status_code for w in wrong] == [200, 200, 200]
    assert "还可尝试 2 次" in wrong[0].content.decode()
    root.refresh_from_db()
    assert root.locked_until is not None and root.locked_until > timezone.now()

    right_but_locked = _admin_login(browser, "Root-pass-2026")
    assert right_but_locked.status_code == 200
    assert "账号已锁定" in right_but_locked.content.decode()
    assert "_auth_user_id" not in browser.session

    events = list(
        SignInEvent.objects.filter(identifier="root")
        .order_by("id")
        .values_list("channel", "context", "outcome", "code")
    )
    assert events == [
        ("admin", "admin", "failure", "LOGIN_FAILED"),
        ("admin", "admin", "failure", "LOGIN_FAILED"),
        ("admin", "admin", "failure", "ACCOUNT_LOCKED"),
        ("admin", "admin", "locked", "ACCOUNT_LOCKED"),
    ]


def test_admin_sign_in_succeeds_and_is_recorded(root):
    browser = client()

    answer = _admin_login(browser, "Root-pass-2026")

    assert answer.status_code == 302 and answer["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200
    event = SignInEvent.objects.get(user=root)
    assert (event.channel, event.context, event.outcome, str(event.ip)) == (
        "admin",
        "admin",
        "success",
        ADDRESS,
    )


def test_a_hall_user_cannot_sign_in_to_admin_even_with_the_right_password():
    user = make_individual()
    browser = client()

    answer = _admin_login(browser, PASSWORD, username=user.username)

    assert answer.status_code == 200
    assert "该账号没有系统配置权限" in answer.content.decode()
    assert "_auth_user_id" not in browser.session
    assert SignInEvent.objects.get(user=user).code == "CONTEXT_NOT_ALLOWED"


def test_admin_guesses_from_one_address_are_limited_across_usernames(settings, root):
    allow(settings, "signin_failures", 3)
    browser = client()
    for name in ("root", "admin", "administrator"):
        assert _admin_login(browser, "Guess-2026", username=name).status_code == 200

    assert_limited_page(_admin_login(browser, "Root-pass-2026"))
    assert "_auth_user_id" not in browser.session


# ---- U-KEY ----------------------------------------------------------------------------------

GARBAGE = {"certificate": "-----BEGIN CERTIFICATE-----", "challenge": "x", "signature": "x"}


def test_failed_certificate_sign_ins_count_with_password_failures(settings):
    allow(settings, "signin_failures", 3)
    browser = client()
    browser.post("/accounts/login/", {"identifier": id_number(), "password": "Guess-2026"})
    assert browser.post("/pki/login/", GARBAGE).status_code == 422
    api_answer = browser.post("/api/v1/auth/ca/token", GARBAGE, content_type="application/json")
    assert api_answer.status_code == 422

    assert_limited_page(browser.post("/pki/login/", GARBAGE))
    assert_limited_api(
        browser.post("/api/v1/auth/ca/token", GARBAGE, content_type="application/json")
    )
    assert CaSignInAttempt.objects.count() == 2


def test_api_challenges_are_limited_per_address(settings):
    allow(settings, "ca_challenges", 3)
    api = client()

    statuses = [api.post("/api/v1/auth/ca/challenge").status_code for _ in range(3)]
    refused = api.post("/api/v1/auth/ca/challenge")

    assert statuses == [200, 200, 200]
    assert_limited_api(refused)
    assert CaChallenge.objects.count() == 3
    assert client(OTHER_ADDRESS).post("/api/v1/auth/ca/challenge").status_code == 200


def test_new_visitors_of_the_certificate_page_get_a_limited_number_of_challenges_and_sessions(
    settings,
):
    allow(settings, "ca_challenges", 3)
    statuses = [client().get("/pki/login/").status_code for _ in range(3)]

    refused = client().get("/pki/login/")

    assert statuses == [200, 200, 200]
    assert_limited_page(refused)
    assert (CaChallenge.objects.count(), Session.objects.count()) == (3, 3)


def test_a_visitor_reloading_the_certificate_page_uses_no_new_challenge(settings):
    allow(settings, "ca_challenges", 1)
    browser = client()

    answers = [browser.get("/pki/login/").status_code for _ in range(5)]

    assert answers == [200] * 5
    assert CaChallenge.objects.count() == 1


# ---- registration and password reset --------------------------------------------------------


def _register_data(**overrides: str) -> dict[str, str]:
    return {
        "name": "张三",
        "id_number": id_number(),
        "mobile": "13900000001",
        "code": "123456",
        "password": "Shebao@2026x",
        "password2": "Shebao@2026x",
        **overrides,
    }


CODE_FORMS = {
    "/accounts/register/": lambda: _register_data(),
    "/accounts/register/unit/": lambda: {
        "credit_code": credit_code(),
        "unit_name": "吉林市某某有限公司",
        "rep_name": "张三",
        "rep_id_number": id_number(),
        "mobile": "13900000001",
        "code": "123456",
        "password": "Shebao@2026x",
        "password2": "Shebao@2026x",
    },
    "/accounts/password/reset/": lambda: {
        "id_number": id_number(),
        "mobile": "13900000001",
        "code": "123456",
        "new_password": "Shebao@2026x",
        "new_password2": "Shebao@2026x",
    },
}


@pytest.mark.parametrize("url", sorted(CODE_FORMS))
def test_forms_that_redeem_an_sms_code_are_limited_per_address(settings, url):
    allow(settings, "code_checks", 2)
    browser = client()

    answers = [browser.post(url, CODE_FORMS[url]()) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert all("验证码" in a.content.decode() for a in answers)

    assert_limited_page(browser.post(url, CODE_FORMS[url]()))


def test_one_registration_code_cannot_test_unlimited_id_numbers(settings):
    """The defect as found: one code, 16 ID numbers, 16 answers (ACCOUNT_EXISTS or not)."""
    settings.SHEBAO_CODE_MAX_ATTEMPTS = 5
    holders = [make_individual() for _ in range(16)]
    number = "13900000002"
    code_send(mobile=number, purpose=VerificationCode.Purpose.REGISTER)
    code = last_code(number)
    answers = []
    for holder in holders:
        try:
            account_register(
                name=holder.name,
                id_number=holder.username,
                mobile=number,
                code=code,
                password="Shebao@2026x",
            )
        except DomainError as refused:
            answers.append(refused.code)

    assert answers == ["ACCOUNT_EXISTS"] * 5 + ["CODE_TOO_MANY_ATTEMPTS"] * 11
    # Spent: it cannot register a new account either.
    with pytest.raises(DomainError) as spent:
        account_register(
            name="李四",
            id_number=id_number(),
            mobile=number,
            code=code,
            password="Shebao@2026x",
            district_code="220202",
        )
    assert spent.value.code == "CODE_TOO_MANY_ATTEMPTS"
    assert User.objects.count() == 16


def test_one_unit_registration_code_cannot_test_unlimited_units(settings):
    settings.SHEBAO_CODE_MAX_ATTEMPTS = 3
    units = []
    for _ in range(5):
        unit = make_unit()
        make_member(unit, "legal_rep")
        units.append(unit)
    number = "13900000003"
    code_send(mobile=number, purpose=VerificationCode.Purpose.UNIT_REGISTER)
    code = last_code(number)
    answers = []
    for unit in units:
        try:
            unit_register_online(
                credit_code=unit.credit_code,
                unit_name=unit.name,
                rep_name="王建国",
                rep_id_number=unit.legal_rep_id_number,
                mobile=number,
                code=code,
                password="Shebao@2026x",
            )
        except DomainError as refused:
            answers.append(refused.code)

    assert answers == ["UNIT_ALREADY_REGISTERED"] * 3 + ["CODE_TOO_MANY_ATTEMPTS"] * 2


def test_a_mistake_after_a_good_code_still_leaves_the_remaining_attempts(settings):
    settings.SHEBAO_CODE_MAX_ATTEMPTS = 5
    number = "13900000004"
    code_send(mobile=number, purpose=VerificationCode.Purpose.REGISTER)
    code = last_code(number)
    with pytest.raises(DomainError) as no_district:
        account_register(
            name="李四", id_number=id_number(), mobile=number, code=code, password="Shebao@2026x"
        )
    assert no_district.value.code == "DISTRICT_REQUIRED"

    user = account_register(
        name="李四",
        id_number=id_number(),
        mobile=number,
        code=code,
        password="Shebao@2026x",
        district_code="220202",
    )

    assert user.mobile == number
    assert VerificationCode.objects.get(mobile=number).attempts == 1


# ---- the same answer time -------------------------------------------------------------------


class CountingHasher(MD5PasswordHasher):
    """MD5 (the tests' hasher) that counts how many passwords it hashes."""

    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]

    def run(send) -> int:
        CountingHasher.calls = 0
        send()
        return CountingHasher.calls

    return run


def _page(identifier: str, password: str = "Guess-2026"):
    return lambda: client().post(
        "/accounts/login/", {"identifier": identifier, "password": password}
    )


def _api(identifier: str, password: str = "Guess-2026"):
    return lambda: client().post(
        "/api/v1/auth/token",
        {"username": identifier, "password": password, "context": "individual"},
        content_type="application/json",
    )


@pytest.mark.parametrize("way", [_page, _api])
def test_unknown_locked_and_wrong_each_cost_exactly_one_password_hash(hashes, way):
    """Timing-independent: the same work (one hash) whichever the case, so the answer time
    does not tell a locked account from an unknown one or a wrong password."""
    wrong = make_individual()
    locked = make_individual()
    User.objects.filter(pk=locked.pk).update(
        locked_until=timezone.now() + timezone.timedelta(minutes=15)
    )
    disabled = make_individual()
    User.objects.filter(pk=disabled.pk).update(is_active=False)

    work = {
        "unknown": hashes(way(id_number())),
        "locked, wrong password": hashes(way(locked.username)),
        "locked, right password": hashes(way(locked.username, PASSWORD)),
        "wrong password": hashes(way(wrong.username)),
        "disabled": hashes(way(disabled.username, PASSWORD)),
    }

    assert work == dict.fromkeys(work, 1)


def test_admin_and_staff_answers_cost_one_hash_each(hashes, root):
    staff = make_staff()
    User.objects.filter(pk=root.pk).update(
        locked_until=timezone.now() + timezone.timedelta(minutes=15)
    )

    work = {
        "admin unknown": hashes(lambda: _admin_login(client(), "Guess-2026", username="nobody")),
        "admin locked": hashes(lambda: _admin_login(client(), "Guess-2026")),
        "staff unknown": hashes(
            lambda: client().post(
                "/accounts/login/", {"as": "staff", "staff_number": "S99999", "password": "x1"}
            )
        ),
        "staff wrong": hashes(
            lambda: client().post(
                "/accounts/login/",
                {"as": "staff", "staff_number": staff.username, "password": "x1"},
            )
        ),
    }

    assert work == dict.fromkeys(work, 1)
