from datetime import date

import pytest

from shebao.accounts.actors import actor_for
from shebao.accounts.capabilities import Capability, capability_grant
from shebao.accounts.models import StaffProfile, User
from shebao.accounts.tokens import token_issue
from shebao.registry.models import Person
from shebao.testing import policy_data_load


@pytest.fixture
def policy_data(reference_data):
    """Regions, departments and the repository's policy data files, as a deployment has them."""
    policy_data_load()


@pytest.fixture
def staff_user(reference_data):
    user = User.objects.create_user("S0001", "x", kind=User.Kind.STAFF, name="王经办")
    StaffProfile.objects.create(user=user, department_id="enterprise_pension")
    return user


@pytest.fixture
def editor(staff_user):
    capability_grant(
        staff=staff_user.staff_profile, capability=Capability.EDIT_POLICY, regions=["000000"]
    )
    return actor_for(staff_user, "staff")


@pytest.fixture
def tokens(staff_user):
    """A valid API token of each kind that can hold one."""
    person = Person.objects.create(
        id_number="11010519491231002X", name="张三", sex="M", birth_date=date(1949, 12, 31)
    )
    individual = User.objects.create_user(
        "11010519491231002X", "x", kind=User.Kind.INDIVIDUAL, name="张三", person=person
    )
    partner = User.objects.create_user("BANK01", "x", kind=User.Kind.PARTNER, name="合作银行")
    return {
        "individual": token_issue(user=individual, context="individual"),
        "staff": token_issue(user=staff_user, context="staff"),
        "partner": token_issue(user=partner, context="partner"),
    }
