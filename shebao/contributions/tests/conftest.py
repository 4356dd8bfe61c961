"""Fixtures for the contributions tests: the hall's reference data, catalogue and policy."""

from __future__ import annotations

import pytest


@pytest.fixture
def hall(reference_data):
    """The catalogue and the policy parameters, as a deployment has them."""
    from shebao.catalogue.services import catalogue_load
    from shebao.policy.services import policy_load

    catalogue_load()
    policy_load()


@pytest.fixture
def jilin(hall):
    from shebao.registry.models import Region

    return Region.objects.get(code="220200")
