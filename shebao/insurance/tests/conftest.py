"""Fixtures for the insurance tests: reference data, the catalogue and policy, and a unit."""

from __future__ import annotations

import pytest

from shebao.hall.tests.test_browser_journey import chromium  # noqa: F401  (the browser fixture)
from shebao.testing import make_person, make_unit


@pytest.fixture
def hall(reference_data):
    """The catalogue and the policy parameters, as a deployment has them."""
    from shebao.testing import hall_load

    hall_load()


@pytest.fixture
def unit(reference_data):
    return make_unit(name="吉林市松花江纺织有限公司")


@pytest.fixture
def other_unit(reference_data):
    return make_unit(name="吉林市江北化工有限公司")


@pytest.fixture
def person(reference_data):
    return make_person(name="赵敏")
