"""The production settings (behind a TLS-terminating proxy, issue 6 item 5): Django's deployment
checks find nothing to warn about, plain HTTP is redirected to HTTPS, HTTPS answers carry HSTS,
cookies are HTTPS-only, and static files get hashed names."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

_PROBE = """
import json, django
from django.conf import settings
from django.core.management import call_command
django.setup()
call_command("check", deploy=True, fail_level="DEBUG")
print(json.dumps({name: getattr(settings, name) for name in (
    "DEBUG", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)} | {"static": settings.STORAGES["staticfiles"]["BACKEND"]}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """What the settings module makes of a production environment, checked by
    ``manage.py check --deploy`` failing on anything, even a debug-level message."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SHEBAO_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "shebao.settings",
        "SHEBAO_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "SHEBAO_SECRET_KEY": secrets.token_urlsafe(50),
        "SHEBAO_ALLOWED_HOSTS": "hall.example.gov.cn",
        "SHEBAO_CSRF_TRUSTED_ORIGINS": "https://hall.example.gov.cn",
        "SHEBAO_BEHIND_TLS_PROXY": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    *output, probe = result.stdout.strip().splitlines()
    return {"check": "\n".join(output) + result.stderr, **json.loads(probe)}


def test_deploy_checks_are_clean_under_the_production_settings(production):
    assert "System check identified no issues" in production["check"]
    assert production["DEBUG"] is False
    assert production["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.mark.django_db
def test_http_is_redirected_to_https_and_https_answers_with_hsts(production, settings, client):
    for name in (
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ):
        setattr(settings, name, production[name])
    settings.SECURE_PROXY_SSL_HEADER = tuple(production["SECURE_PROXY_SSL_HEADER"])

    plain = client.get("/accounts/login/?next=/me/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/accounts/login/?next=/me/"

    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert secure.cookies["csrftoken"]["secure"] is True
