"""Test settings and fixtures shared by every app's tests."""

from __future__ import annotations

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    """Build the URLconf, and with it every API schema, before any test freezes the clock: an
    API module first imported under freezegun would see its fake datetime class in annotations,
    and the schema could not be built (a test file run alone would then fail)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view and API module


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
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def reference_data(db):
    """Regions and departments from the repository's data files."""
    from shebao.testing import reference_load

    reference_load()
