"""The repository's reference and policy data, and the browser, for the audit tests."""

from __future__ import annotations

import pytest

from shebao.hall.tests.test_browser_journey import chromium  # noqa: F401 - the browser
from shebao.testing import policy_data_load


@pytest.fixture
def policy_data(reference_data):
    """Regions, departments and the repository's policy data files (the measures of Beijing,
    seed 003, and of Jilin City, seed 000)."""
    policy_data_load()
