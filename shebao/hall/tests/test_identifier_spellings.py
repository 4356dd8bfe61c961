"""Identifier spellings: one identity has one spelling, on every page and API operation.

A number typed in full-width digits (``２２０２…``), in another script's digits, with spaces,
dashes, zero-width characters or a lower-case check letter is the same person, unit, phone or
card as its plain ASCII spelling: it must find the same account, count against the same limits
and never be stored as a second identity.

The structural tests make the class impossible to reintroduce: every page form field, every API
input field and every catalogue form field that carries an identifier must go through the one
normaliser (:data:`shebao.common.identifiers.SPELLINGS` / ``NORMALIZERS``), and no view may read
an identifier from the request without it.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import typing
from pathlib import Path

import pytest
from django import forms
from django.test import Client

import shebao
from shebao.accounts.models import SignInEvent, User, VerificationCode
from shebao.accounts.services import (
    account_register,
    code_send,
    password_reset,
    unit_register_at_counter,
    unit_register_online,
    unit_user_appoint,
)
from shebao.accounts.services.codes import TooManyRequests
from shebao.applications.formschema import IDENTIFIER_TYPES, form_clean, form_display
from shebao.catalogue.schema import FIELD_TYPES
from shebao.common.errors import DomainError, InvalidInput
from shebao.common.forms import IdentifierField
from shebao.common.identifiers import (
    NORMALIZERS,
    SPELLINGS,
    identifier_kinds_for_name,
    identifier_text,
    mask_bank_account,
    normalize_bank_card,
)
from shebao.common.schemas import Spelling
from shebao.registry.models import Person
from shebao.testing import (
    PASSWORD,
    credit_code,
    id_number,
    last_code,
    make_individual,
    make_member,
    make_person,
    make_staff,
    make_unit,
    mobile,
    staff_actor,
    unit_actor,
)

pytestmark = pytest.mark.django_db

# ---- spellings of one value -----------------------------------------------------------------


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def other_script(text: str) -> str:
    """Arabic-Indic digits (which NFKC keeps) and lower-case letters."""
    return "".join(chr(0x0660 + int(c)) if c.isdigit() else c.lower() for c in text)


def spaced(text: str) -> str:
    """Ideographic and no-break spaces, a zero-width space, a dash and surrounding blanks."""
    return "\u3000" + text[:3] + "\u00a0" + text[3:7] + "-\u200b" + text[7:] + " \t"


SPELLED = [full_width, other_script, spaced]
IDS = ["full_width", "other_script", "spaced"]

SAMPLES = {
    "id_number": "22020219840521026X",
    "credit_code": "91220202000010001B",
    "mobile": "13943110001",
    "verification_code": "042917",
    "bank_card": "6222020200001234562",
    "bank_account": "0711234500012",
    "tracking_number": "EA123456785CN",
}


@pytest.mark.parametrize("spell", SPELLED, ids=IDS)
@pytest.mark.parametrize("kind", sorted(NORMALIZERS))
def test_every_spelling_of_an_identifier_normalises_to_one_value(kind, spell):
    canonical = SAMPLES[kind]

    assert NORMALIZERS[kind](spell(canonical)) == canonical
    assert SPELLINGS[kind](spell(canonical)) == canonical


def test_every_identifier_kind_has_a_sample_a_spelling_and_a_normaliser():
    assert set(SAMPLES) == set(NORMALIZERS) == set(SPELLINGS) - {"identifier"}


@pytest.mark.parametrize("kind", sorted(NORMALIZERS))
def test_a_letter_that_folds_to_no_digit_is_still_refused(kind):
    canonical = SAMPLES[kind]
    wrong = canonical[:-2] + "Ⅻ"  # a Roman numeral: NFKC gives letters, not digits

    with pytest.raises(InvalidInput) as error:
        NORMALIZERS[kind](wrong)
    assert error.value.message  # a Chinese message, shown next to the field


def test_the_shared_step_keeps_a_staff_numbers_case_and_dashes():
    assert identifier_text("\u3000ｊｌ－ｄｊ－０１\u200b ") == "jl-dj-01"


def test_a_bank_card_is_checked_by_its_luhn_digit_and_shown_masked():
    with pytest.raises(InvalidInput) as error:
        normalize_bank_card("6222020200001234567")
    assert (error.value.code, error.value.message) == (
        "BANK_CARD_BAD_CHECK",
        "银行卡号校验位不正确，请核对卡面号码后重新输入",
    )
    with pytest.raises(InvalidInput) as error:
        normalize_bank_card("1234567890123456"[:15])
    assert error.value.code == "BANK_CARD_MALFORMED"
    assert mask_bank_account("6222020200001234562") == "622202*********4562"
    assert mask_bank_account("0711234500012") == "071123***0012"


# ---- structure: every identifier field goes through the one normaliser ----------------------

# Fields whose name looks like an identifier but is not one (a catalogue code, say).
_NOT_IDENTIFIERS = {
    "api:catalogue.matter_detail.code",  # a matter's code (person.unemployment_benefit)
    "api:applications.upload_material.code",  # a material's code in the matter's list
    "shebao/applications/views.py:code",  # the same, on the application page
    "admin:catalogue.Matter.code",  # a matter's code, searched in the admin
    # a certificate's verification code (印在证明上的核验码), normalised by its own service
    "shebao/certificates/views.py:code",
}


_expected_kinds = identifier_kinds_for_name


def _project_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(shebao.__path__, "shebao."):
        if ".tests" in info.name or ".migrations" in info.name or info.name.endswith("settings"):
            continue
        names.append(info.name)
    return names


def _form_classes() -> list[type[forms.BaseForm]]:
    for name in _project_modules():
        if name.rsplit(".", 1)[-1] in ("forms", "views") or ".forms" in name:
            importlib.import_module(name)

    def below(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *below(sub))]

    return [c for c in below(forms.BaseForm) if c.__module__.startswith("shebao.")]


def test_every_page_form_field_carrying_an_identifier_is_an_identifier_field():
    checked, wrong = 0, []
    for form in _form_classes():
        for name, field in form.base_fields.items():
            kinds = _expected_kinds(name)
            if kinds is None:
                continue
            checked += 1
            if not isinstance(field, IdentifierField) or field.kind not in kinds:
                wrong.append(f"{form.__module__}.{form.__name__}.{name}")
    assert wrong == []
    assert checked >= 20  # the walk found the accounts forms' identifiers


def _spellings_in(annotation: object) -> set[str]:
    """The identifier kinds a (possibly nested, Optional, Annotated) annotation spells."""
    found: set[str] = set()
    for meta in getattr(annotation, "__metadata__", ()):
        func = getattr(meta, "func", None)
        if isinstance(func, Spelling):
            found.add(func.kind)
    for arg in typing.get_args(annotation):
        found |= _spellings_in(arg)
    return found


def _schema_fields(model: type, where: str) -> list[tuple[str, str, object]]:
    """(where, name, annotation) of every field of a pydantic model, nested models included."""
    rows = []
    for name, info in model.model_fields.items():
        rows.append((where, name, info.annotation, info.metadata))
        for arg in (info.annotation, *typing.get_args(info.annotation)):
            if isinstance(arg, type) and hasattr(arg, "model_fields"):
                rows.extend(_schema_fields(arg, where))
    return rows


def test_every_api_input_field_carrying_an_identifier_is_spelled():
    from shebao.api import api

    checked, wrong = 0, []
    for prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                where = f"api:{prefix.strip('/').split('/')[0]}.{operation.view_func.__name__}"
                for model in operation.signature.models:
                    for _, name, annotation, metadata in _schema_fields(model, where):
                        kinds = _expected_kinds(name)
                        if kinds is None or f"{where}.{name}" in _NOT_IDENTIFIERS:
                            continue
                        checked += 1
                        spelled = _spellings_in(annotation) | {
                            m.func.kind
                            for m in metadata
                            if isinstance(getattr(m, "func", None), Spelling)
                        }
                        if not spelled & kinds:
                            wrong.append(f"{where}.{name}")
    assert wrong == []
    assert checked >= 2  # the token endpoint's username and credit code


def test_every_catalogue_field_carrying_an_identifier_has_an_identifier_type(reference_data):
    from shebao.catalogue.models import Matter
    from shebao.catalogue.services import catalogue_load

    catalogue_load()
    assert set(IDENTIFIER_TYPES) <= set(NORMALIZERS)
    assert {t for t in FIELD_TYPES if t in NORMALIZERS} == set(IDENTIFIER_TYPES)
    checked, wrong = 0, []
    for matter in Matter.objects.all():
        for field in matter.fields:
            kinds = _expected_kinds(field["name"])
            if kinds is None:
                continue
            checked += 1
            if field["type"] not in kinds:
                wrong.append(f"{matter.code}.{field['name']}: {field['type']}")
    assert wrong == []
    assert checked >= 50


def test_every_admin_that_searches_an_identifier_searches_its_one_spelling():
    from django.contrib import admin

    from shebao.common.admin import SpelledSearchMixin

    checked, wrong = 0, []
    for model, model_admin in admin.site._registry.items():
        names = [f.lstrip("^=@").split("__")[-1] for f in model_admin.search_fields or ()]
        if not any(
            _expected_kinds(name) and f"admin:{model._meta.label}.{name}" not in _NOT_IDENTIFIERS
            for name in names
        ):
            continue
        checked += 1
        if not isinstance(model_admin, SpelledSearchMixin):
            wrong.append(f"{model._meta.label}: {type(model_admin).__name__}")
    assert wrong == []
    assert checked >= 8


def test_the_admin_finds_a_user_by_a_full_width_id_number(hall):
    from django.contrib import admin
    from django.test import RequestFactory

    user = make_individual()
    make_individual()
    model_admin = admin.site._registry[User]
    request = RequestFactory().get("/admin/accounts/user/")

    found, _ = model_admin.get_search_results(
        request, User.objects.all(), full_width(user.username)
    )

    assert list(found) == [user]


_READS = {"get", "getlist", "__getitem__"}


def test_no_view_reads_an_identifier_from_the_request_without_spelling_it():
    """``request.POST.get("mobile")`` must sit inside a spelling call (or feed a form)."""
    spellers = {f.__name__ for f in SPELLINGS.values()} | {"identifier_text"}
    wrong = []
    for path in Path(shebao.__path__[0]).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _READS
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr in ("POST", "GET")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and _expected_kinds(node.args[0].value) is not None
            ):
                continue
            up, ok = parents.get(node), False
            while up is not None and not ok:
                if isinstance(up, ast.Call):
                    name = getattr(up.func, "id", None) or getattr(up.func, "attr", "")
                    ok = name in spellers or name.endswith("Form")
                up = parents.get(up)
            where = f"{path.relative_to(Path(shebao.__path__[0]).parent)}:{node.args[0].value}"
            if not ok and where not in _NOT_IDENTIFIERS:
                wrong.append(f"{where} (line {node.lineno})")
    assert wrong == []


# ---- behaviour: the defects as found, and the same class on every form and operation -------


@pytest.fixture
def hall(reference_data):
    return None


@pytest.mark.parametrize("spell", SPELLED, ids=IDS)
def test_registering_an_existing_persons_number_in_another_spelling_is_refused(hall, spell):
    user = make_individual(name="陈晓燕")
    number = mobile()
    code_send(mobile=number, purpose=VerificationCode.Purpose.REGISTER)
    before = (User.objects.count(), Person.objects.count())

    with pytest.raises(DomainError) as error:
        account_register(
            name="陈晓燕",
            id_number=spell(user.username),
            mobile=number,
            code=last_code(number),
            password=PASSWORD,
        )

    assert error.value.code == "ACCOUNT_EXISTS"
    assert (User.objects.count(), Person.objects.count()) == before


@pytest.mark.parametrize("spell", SPELLED, ids=IDS)
def test_the_registration_page_ties_any_spelling_to_the_registry_person(hall, spell):
    person = make_person(name="李丽")
    number = mobile()
    client = Client()
    client.post("/accounts/code/", {"purpose": "register", "mobile": spell(number)})

    response = client.post(
        "/accounts/register/",
        {
            "name": "李丽",
            "id_number": spell(person.id_number),
            "mobile": spell(number),
            "code": spell(last_code(number)),
            "password": PASSWORD,
            "password2": PASSWORD,
            "district": "",
        },
    )

    assert response.status_code == 302
    user = User.objects.get()
    assert (user.username, user.mobile, user.person) == (person.id_number, number, person)
    assert Person.objects.count() == 1
    assert list(VerificationCode.objects.values_list("mobile", flat=True)) == [number]


def test_the_demo_persons_number_in_full_width_digits_does_not_open_a_second_account(hall):
    """The defect as reported: 陈晓燕's number with full-width digits and an ASCII X."""
    person = make_person(name="陈晓燕", id_no="22020219840521026X")
    make_individual(person=person)
    number = mobile()
    client = Client()
    client.post("/accounts/code/", {"purpose": "register", "mobile": number})
    before = (User.objects.count(), Person.objects.count())

    response = client.post(
        "/accounts/register/",
        {
            "name": "陈晓燕",
            "id_number": "２２０２０２１９８４０５２１０２６X",
            "mobile": number,
            "code": last_code(number),
            "password": PASSWORD,
            "password2": PASSWORD,
            "district": "220202",
        },
    )

    assert response.status_code == 200
    assert "该公民身份号码已注册账号，请直接登录" in response.content.decode()
    assert (User.objects.count(), Person.objects.count()) == before


@pytest.mark.parametrize("spell", SPELLED, ids=IDS)
def test_online_unit_registration_takes_any_spelling(hall, spell):
    unit = make_unit(name="吉林市江城机械有限公司")
    number = mobile()
    code_send(mobile=number, purpose=VerificationCode.Purpose.UNIT_REGISTER)

    membership = unit_register_online(
        credit_code=spell(unit.credit_code),
        unit_name=unit.name,
        rep_name=unit.legal_rep_name,
        rep_id_number=spell(unit.legal_rep_id_number),
        mobile=spell(number),
        code=spell(last_code(number)),
        password=PASSWORD,
    )

    assert (membership.unit, membership.role) == (unit, "legal_rep")
    assert (membership.user.username, membership.user.mobile) == (unit.legal_rep_id_number, number)


def test_the_per_phone_sms_limit_counts_every_spelling_of_one_number(hall):
    number = mobile()
    code_send(mobile=number, purpose=VerificationCode.Purpose.REGISTER)

    refused = []
    for spell in SPELLED:
        with pytest.raises(TooManyRequests) as error:
            code_send(mobile=spell(number), purpose=VerificationCode.Purpose.REGISTER)
        refused.append(error.value.code)
    page = (
        Client()
        .post("/accounts/code/", {"purpose": "register", "mobile": full_width(number)})
        .content.decode()
    )

    assert refused == ["CODE_TOO_FREQUENT"] * 3
    assert "验证码发送过于频繁" in page
    assert list(VerificationCode.objects.values_list("mobile", flat=True)) == [number]


@pytest.mark.parametrize("spell", SPELLED, ids=IDS)
def test_sign_in_finds_the_account_under_any_spelling_on_the_page_and_in_the_api(hall, spell):
    user = make_individual()
    unit = make_unit()
    member = make_member(unit, "operator")

    by_id = Client().post(
        "/accounts/login/",
        {"as": "individual", "identifier": spell(user.username), "password": PASSWORD},
    )
    by_mobile = Client().post(
        "/accounts/login/",
        {"as": "individual", "identifier": spell(user.mobile), "password": PASSWORD},
    )
    as_unit = Client().post(
        "/accounts/login/",
        {
            "as": "unit",
            "credit_code": spell(unit.credit_code),
            "id_number": spell(member.username),
            "password": PASSWORD,
        },
    )
    api = Client().post(
        "/api/v1/auth/token",
        json.dumps(
            {
                "username": spell(member.username),
                "credit_code": spell(unit.credit_code),
                "password": PASSWORD,
                "context": "unit",
            }
        ),
        content_type="application/json",
    )

    assert [by_id.status_code, by_mobile.status_code, as_unit.status_code] == [302, 302, 302]
    assert api.status_code == 200, api.content
    assert set(SignInEvent.objects.values_list("identifier", flat=True)) == {
        user.username,
        user.mobile,
        member.username,
    }


def test_failed_sign_ins_under_different_spellings_count_against_one_identifier(hall, settings):
    settings.SHEBAO_LOGIN_MAX_FAILURES = 3
    unknown = id_number()

    answers = []
    for spell in [str, *SPELLED]:
        response = Client().post(
            "/api/v1/auth/token",
            json.dumps({"username": spell(unknown), "password": "wrong", "context": "individual"}),
            content_type="application/json",
        )
        answers.append(response.json()["code"])

    assert answers == ["LOGIN_FAILED", "LOGIN_FAILED", "ACCOUNT_LOCKED", "ACCOUNT_LOCKED"]
    assert set(SignInEvent.objects.values_list("identifier", flat=True)) == {unknown}


@pytest.mark.parametrize("spell", SPELLED, ids=IDS)
def test_password_reset_takes_any_spelling(hall, spell):
    user = make_individual()
    code_send(mobile=user.mobile, purpose=VerificationCode.Purpose.PASSWORD_RESET, user=user)

    password_reset(
        id_number=spell(user.username),
        mobile=spell(user.mobile),
        code=spell(last_code(user.mobile)),
        new_password="Reset-pass-2026",
    )

    assert User.objects.get(pk=user.pk).check_password("Reset-pass-2026")


@pytest.mark.parametrize("spell", SPELLED, ids=IDS)
def test_appointing_a_unit_user_under_another_spelling_finds_their_account(hall, spell):
    unit = make_unit()
    rep = make_member(unit, "legal_rep")
    person = make_individual(name="经办人乙")
    users = User.objects.count()

    membership = unit_user_appoint(
        actor=unit_actor(rep, unit),
        role="operator",
        name="经办人乙",
        id_number=spell(person.username),
        mobile=spell(person.mobile),
    )

    assert membership.user == person
    assert User.objects.count() == users


@pytest.mark.parametrize("spell", SPELLED, ids=IDS)
def test_counter_registration_under_another_spelling_finds_the_unit_and_its_person(hall, spell):
    rep = make_person(name="王建国")
    unit = make_unit(rep=rep)
    staff = make_staff()
    persons = Person.objects.count()

    result = unit_register_at_counter(
        actor=staff_actor(staff),
        credit_code=spell(unit.credit_code),
        holder_role="legal_rep",
        holder_name="王建国",
        holder_id_number=spell(rep.id_number),
        holder_mobile=spell("13943110009"),
    )

    assert (result.membership.unit, result.unit_created) == (unit, False)
    assert result.membership.user.username == rep.id_number
    assert result.membership.user.mobile == "13943110009"
    assert Person.objects.count() == persons


APPLICATION_FIELDS = [
    {"name": "subject_id_number", "label": "职工身份证号", "type": "id_number", "required": True},
    {"name": "subject_name", "label": "职工姓名", "type": "text", "required": True},
    {"name": "unit_credit_code", "label": "单位代码", "type": "credit_code", "required": False},
    {"name": "contact_mobile", "label": "手机", "type": "mobile", "required": False},
    {"name": "bank_account", "label": "社保卡号", "type": "bank_card", "required": False},
    {"name": "payment_account", "label": "存折账号", "type": "bank_account", "required": False},
]


@pytest.mark.parametrize("spell", SPELLED, ids=IDS)
def test_application_answers_keep_one_spelling_and_show_bank_numbers_masked(spell):
    who = id_number()
    unit = credit_code()
    answers = {
        "subject_id_number": who,
        "subject_name": "张三",
        "unit_credit_code": unit,
        "contact_mobile": "13943110001",
        "bank_account": "6222020200001234562",
        "payment_account": "0711234500012",
    }

    cleaned = form_clean(
        APPLICATION_FIELDS,
        {k: (v if k == "subject_name" else spell(v)) for k, v in answers.items()},
        partial=False,
    )

    assert cleaned == answers
    assert dict(form_display(APPLICATION_FIELDS, cleaned)) == {
        "职工身份证号": who,
        "职工姓名": "张三",
        "单位代码": unit,
        "手机": "13943110001",
        "社保卡号": "622202*********4562",
        "存折账号": "071123***0012",
    }


def test_a_bank_card_number_with_a_wrong_check_digit_is_refused_in_the_form():
    from shebao.applications.formschema import ApplicationDataInvalid

    with pytest.raises(ApplicationDataInvalid) as error:
        form_clean(
            APPLICATION_FIELDS,
            {
                "subject_id_number": id_number(),
                "subject_name": "张三",
                "bank_account": "6222020200001234567",
            },
            partial=False,
        )
    assert error.value.errors == {"bank_account": "银行卡号校验位不正确，请核对卡面号码后重新输入"}


# ---- stored rows: the operators' check and its repair ---------------------------------------


def _misspell(model, pk, field, value):
    """A row as an older release stored it (the edge folds every spelling now)."""
    model.objects.filter(pk=pk).update(**{field: value})


def test_identities_check_finds_one_person_under_two_spellings_and_repairs_only_the_safe(
    hall,
):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    twin = make_individual(name="陈晓燕")  # the real account
    second = make_individual(name="陈晓燕")  # the second account the defect made
    _misspell(Person, second.person.pk, "id_number", full_width(twin.username))
    _misspell(User, second.pk, "username", full_width(twin.username))
    lone = make_individual(name="李丽")  # misspelled, but nobody else holds the normal form
    _misspell(User, lone.pk, "mobile", full_width(lone.mobile))
    _misspell(User, lone.pk, "username", other_script(lone.username))
    _misspell(Person, lone.person.pk, "id_number", other_script(lone.username))

    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("identities_check", "--repair", stdout=out)

    assert str(error.value) == "identities: 5 misspelled, 2 duplicated, 4 left after repair"
    text = out.getvalue()
    assert (
        f"duplicate registry.Person.id_number {twin.username}: pks {twin.person.pk}, {second.person.pk}"
        in text
    )
    assert f"duplicate accounts.User.username {twin.username}: pks {twin.pk}, {second.pk}" in text
    lone.refresh_from_db()
    lone.person.refresh_from_db()
    second.refresh_from_db()
    assert (lone.username, lone.person.id_number) == (lone.person.id_number, lone.username)
    assert lone.mobile.isascii() and len(lone.mobile) == 11
    assert second.username == full_width(twin.username)  # a merge is for a person to make

    again = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("identities_check", stdout=again)
    assert str(error.value) == "identities: 2 misspelled, 2 duplicated"


def test_identities_check_is_quiet_on_a_clean_database_and_a_database_system_check(hall):
    from io import StringIO

    from django.core import checks
    from django.core.management import call_command

    user = make_individual()
    out = StringIO()
    call_command("identities_check", stdout=out)
    assert out.getvalue() == "identities: every identifier is stored in its one spelling\n"
    assert [
        m for m in checks.run_checks(databases=["default"]) if m.id.startswith("shebao.W10")
    ] == []

    _misspell(User, user.pk, "mobile", full_width(user.mobile))
    found = [
        m.id for m in checks.run_checks(databases=["default"]) if m.id.startswith("shebao.W10")
    ]
    assert found == ["shebao.W101"]
