import pytest


@pytest.fixture(autouse=True)
def _reference(reference_data):
    """Every accounts test runs against the registry's regions and departments."""
