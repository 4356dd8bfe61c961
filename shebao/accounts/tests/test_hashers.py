"""Passwords are stored with Argon2id at OWASP's parameters; older hashes keep verifying and
are upgraded on the next sign-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password

from shebao import settings as hall_settings
from shebao.testing import make_individual

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall_hashers(settings):
    settings.PASSWORD_HASHERS = hall_settings.PASSWORD_HASHERS


def test_a_password_is_stored_as_argon2id_with_19_mib_two_passes_one_lane(hall_hashers):
    stored = make_password("Shebao@2026")

    assert stored.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert identify_hasher(stored).decode(stored)["memory_cost"] == 19_456


def test_a_hash_with_django_default_parameters_verifies_and_is_upgraded_at_sign_in(
    hall_hashers,
):
    user = make_individual()
    user.password = Argon2PasswordHasher().encode("Shebao@2026", Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    assert "$m=102400,t=2,p=8$" in user.password

    assert user.check_password("Shebao@2026")

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password("Shebao@2026")
    assert not user.check_password("Shebao@2025")
