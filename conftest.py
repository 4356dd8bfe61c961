"""Test settings and fixtures shared by every app's tests."""

from __future__ import annotations

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    """Build the URLconf, and with it every API schema, before any test freezes the clock: an
    API module first imported under freezegun would see its fake datetime class in annotations,
    and the schema could not be built (a test file run alone would then fail)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view and API module
    _warm_x509_datetimes()


def _warm_x509_datetimes() -> None:
    """Sign one throwaway certificate with the real clock. cryptography's Rust core looks up the
    ``datetime`` class the first time it reads a date and keeps it for the process: first read
    under freezegun, it would keep the fake class and refuse every real date afterwards (the
    agency CA made later in that process could not be signed)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "warm-up")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certificate.not_valid_after_utc  # noqa: B018 - reads a date back through the same path


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Hashing with argon2 costs ~50 ms a password; tests that check hashing ask for it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run through the same API, executed at once; the database backend has its own tests.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "notifications", "batch"],
        }
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    # What the hall writes beside its database (the SMS outbox, the local bank's journal of
    # payouts) goes to the test's own directory, not to the developer's var/.
    settings.VAR_DIR = tmp_path / "var"
    # Plain static names: the hashed ones need `collectstatic` first (test_static_files.py
    # proves them with it).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SHEBAO_CA_DIR = tmp_path / "pki"
    settings.SHEBAO_CARD_EXCHANGE_DIR = tmp_path / "cards"
    settings.SHEBAO_DEMO = False
    # Each test starts with empty abuse-limit counters: an in-memory cache of its own
    # (shebao/common/tests/test_limits.py proves the database cache of the real settings).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
        "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "f"},
    }
    from django.core.cache import cache, caches

    caches["fragments"].clear()

    from shebao.policy.selectors import policy_memo_clear

    cache.clear()
    # What one test's policy computed is not another's: row ids and frozen clocks repeat
    # between tests, so the memo's version stamp alone cannot tell them apart.
    policy_memo_clear()


@pytest.fixture
def reference_data(db):
    """Regions and departments from the repository's data files."""
    from shebao.testing import reference_load

    reference_load()
