"""The ``tools/shebao-ukey`` client, run as a separate process as a unit user would run it,
against a live server."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from shebao.accounts.actors import CONTEXT_SESSION_KEY
from shebao.accounts.tokens import token_actor
from shebao.pki import services
from shebao.pki.models import CaSignInAttempt
from shebao.pki.tests.conftest import person_number
from shebao.pki.views import SESSION_CHALLENGES

pytestmark = pytest.mark.django_db(transaction=True)

TOOL = Path(settings.BASE_DIR) / "tools" / "shebao-ukey"
PIN = "246810"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "SHEBAO_UKEY_PIN"}
    return subprocess.run(
        [sys.executable, str(TOOL), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def holder_files(world, tmp_path):
    """Key and CSR made by the client for operator A; the certificate issued from that CSR."""
    member = world.operator_a
    keygen = run("keygen", "--out", "mykey.pem", "--passphrase", PIN, cwd=tmp_path)
    assert keygen.returncode == 0, keygen.stderr
    csr = run(
        "csr",
        "--key",
        "mykey.pem",
        "--passphrase",
        PIN,
        "--name",
        member.user.person.name,
        "--id-number",
        member.user.person.id_number,
        "--credit-code",
        member.unit.credit_code.lower(),
        "--unit-name",
        member.unit.name,
        "--out",
        "my.csr",
        cwd=tmp_path,
    )
    assert csr.returncode == 0, csr.stderr
    request = services.certificate_request_submit(
        actor=member.actor, csr_pem=(tmp_path / "my.csr").read_text()
    )
    certificate = services.certificate_request_approve(
        actor=world.staff_actor(world.staff_here), request_id=request.pk
    )
    (tmp_path / "mycert.pem").write_text(certificate.certificate_pem)
    return tmp_path, certificate


def test_keygen_writes_a_pin_protected_key_readable_by_the_owner_only(tmp_path):
    result = run("keygen", "--out", "mykey.pem", "--passphrase", PIN, cwd=tmp_path)

    key_file = tmp_path / "mykey.pem"
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_keygen_never_overwrites_a_key(tmp_path):
    run("keygen", "--out", "mykey.pem", "--passphrase", PIN, cwd=tmp_path)
    before = (tmp_path / "mykey.pem").read_bytes()

    again = run("keygen", "--out", "mykey.pem", "--passphrase", PIN, cwd=tmp_path)

    assert again.returncode == 1
    assert "已存在" in again.stderr
    assert (tmp_path / "mykey.pem").read_bytes() == before


def test_keygen_refuses_a_short_pin(tmp_path):
    result = run("keygen", "--out", "mykey.pem", "--passphrase", "123", cwd=tmp_path)

    assert result.returncode == 1
    assert "口令至少6位" in result.stderr
    assert not (tmp_path / "mykey.pem").exists()


def test_csr_checks_the_id_number_before_writing(tmp_path):
    run("keygen", "--out", "mykey.pem", "--passphrase", PIN, cwd=tmp_path)
    wrong = person_number(3)[:-1] + ("0" if person_number(3)[-1] != "0" else "1")

    result = run(
        "csr",
        "--key",
        "mykey.pem",
        "--passphrase",
        PIN,
        "--name",
        "张经办",
        "--id-number",
        wrong,
        "--credit-code",
        "91220202MA0000001N",
        "--unit-name",
        "某单位",
        "--out",
        "my.csr",
        cwd=tmp_path,
    )

    assert result.returncode == 1
    assert "公民身份号码校验位不正确" in result.stderr
    assert not (tmp_path / "my.csr").exists()


def test_login_does_the_whole_api_flow_and_prints_a_token(world, holder_files, live_server):
    folder, certificate = holder_files

    result = run(
        "login",
        "--url",
        live_server.url,
        "--key",
        "mykey.pem",
        "--cert",
        "mycert.pem",
        "--passphrase",
        PIN,
        cwd=folder,
    )

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    actor = token_actor(token)
    assert actor.is_unit
    assert (actor.user, actor.unit) == (world.operator_a.user, world.unit_a)
    assert f"unit:{world.unit_a.pk}" in result.stderr
    attempt = CaSignInAttempt.objects.get()
    assert (attempt.outcome, attempt.channel, attempt.certificate_id) == (
        "success",
        "api",
        certificate.pk,
    )
    assert attempt.user_agent == "shebao-ukey/1.0"


def test_login_with_a_revoked_certificate_reports_the_reason(world, holder_files, live_server):
    folder, certificate = holder_files
    services.certificate_revoke(
        actor=world.operator_a.actor, certificate_id=certificate.pk, reason="U盘遗失"
    )

    result = run(
        "login",
        "--url",
        live_server.url,
        "--key",
        "mykey.pem",
        "--cert",
        "mycert.pem",
        "--passphrase",
        PIN,
        cwd=folder,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert "CA_CERT_REVOKED" in result.stderr
    assert "该证书已注销" in result.stderr


def test_the_signature_printed_by_sign_opens_a_browser_session(world, holder_files):
    folder, _ = holder_files
    browser = Client()
    browser.get("/pki/login/")
    challenge = browser.session[SESSION_CHALLENGES][-1]

    signed = run(
        "sign", "--key", "mykey.pem", "--challenge", challenge, "--passphrase", PIN, cwd=folder
    )
    response = browser.post(
        "/pki/login/",
        {
            "certificate": (folder / "mycert.pem").read_text(),
            "challenge": challenge,
            "signature": signed.stdout.strip(),
        },
    )

    assert signed.returncode == 0, signed.stderr
    assert response.status_code == 302
    assert browser.session[CONTEXT_SESSION_KEY] == f"unit:{world.unit_a.pk}"


def test_a_wrong_pin_is_refused(holder_files):
    folder, _ = holder_files

    result = run(
        "sign", "--key", "mykey.pem", "--challenge", "ab" * 16, "--passphrase", "999999", cwd=folder
    )

    assert result.returncode == 1
    assert "口令不正确" in result.stderr
    assert result.stdout == ""


def test_a_pin_protected_key_needs_the_pin_when_nobody_can_be_asked(holder_files):
    folder, _ = holder_files

    result = run("sign", "--key", "mykey.pem", "--challenge", "ab" * 16, cwd=folder)

    assert result.returncode == 1
    assert "--passphrase" in result.stderr


def test_show_prints_what_the_certificate_says(world, holder_files):
    folder, _ = holder_files

    result = run("show", "--cert", "mycert.pem", cwd=folder)

    assert result.returncode == 0, result.stderr
    assert "张经办" in result.stdout
    assert world.unit_a.credit_code in result.stdout


def test_help_is_in_chinese_and_english(tmp_path):
    overview = run("--help", cwd=tmp_path)
    sign_help = run("sign", "--help", cwd=tmp_path)

    assert overview.returncode == 0
    assert "CA证书助手" in overview.stdout
    assert "CA certificate helper" in overview.stdout
    for command in ("keygen", "csr", "sign", "login"):
        assert command in overview.stdout
    assert "挑战码" in sign_help.stdout
    assert "challenge" in sign_help.stdout


def test_the_command_is_executable():
    assert os.access(TOOL, os.X_OK)
    assert TOOL.read_text().startswith("#!/usr/bin/env python3\n")
