"""Actors of every kind, and the repository's policy data, for the policy tests."""

from __future__ import annotations

import pytest

from shebao.accounts import actors
from shebao.accounts.actors import actor_for
from shebao.accounts.capabilities import Capability, capability_grant
from shebao.accounts.models import User
from shebao.accounts.tokens import token_issue
from shebao.testing import (
    make_individual,
    make_member,
    make_staff,
    make_unit,
    policy_data_load,
    signed_in,
)


@pytest.fixture
def policy_data(reference_data):
    """Regions, departments and the repository's policy data files, as a deployment has them."""
    policy_data_load()


@pytest.fixture
def people(reference_data):
    """One user of each kind that may be refused or allowed to edit policy."""
    individual = make_individual(name="张三")
    unit = make_unit()
    unit_admin = make_member(unit, "admin")
    staff = make_staff(username="S10001")
    editor = make_staff(username="S10002")
    capability_grant(
        staff=editor.staff_profile, capability=Capability.EDIT_POLICY, regions=["000000"]
    )
    return {
        "individual": (individual, actors.INDIVIDUAL),
        "unit": (unit_admin, f"{actors.UNIT}:{unit.pk}"),
        "staff": (staff, actors.STAFF),
        "editor": (editor, actors.STAFF),
    }


def actor_of(people, who: str):
    if who == "anonymous":
        return actors.ANONYMOUS_ACTOR
    user, context = people[who]
    return actor_for(User.objects.get(pk=user.pk), context)


def client_of(people, who: str, client):
    if who == "anonymous":
        return client
    user, context = people[who]
    return signed_in(user, context)


def token_of(people, who: str) -> str | None:
    if who == "anonymous":
        return None
    user, context = people[who]
    return token_issue(user=user, context=context)


@pytest.fixture
def editor(people):
    return actor_of(people, "editor")
