"""Two submissions at the same moment (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
from django.db import connection, connections

from shebao.accounts.models import AccountEvent, User, VerificationCode
from shebao.accounts.services import account_register, code_send
from shebao.common.errors import DomainError
from shebao.testing import PASSWORD, last_code, make_person, mobile

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
    ),
]


def _race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except DomainError as error:
            outcomes[index] = error.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("keys", [("same", "same"), ("tab-1", "tab-2")])
def test_two_simultaneous_registrations_create_one_account(keys):
    person = make_person(name="李丽")
    number = mobile()
    code_send(mobile=number, purpose=VerificationCode.Purpose.REGISTER)
    code = last_code(number)

    def register(key):
        return lambda: account_register(
            name="李丽",
            id_number=person.id_number,
            mobile=number,
            code=code,
            password=PASSWORD,
            submission_key=key,
        )

    outcomes = _race([register(k) for k in keys])

    users = [o for o in outcomes if isinstance(o, User)]
    refusals = [o for o in outcomes if isinstance(o, str)]
    assert len(users) == 1
    assert len(refusals) == 1
    assert refusals[0] in {"ALREADY_SUBMITTED", "CODE_INVALID", "ACCOUNT_EXISTS"}
    if keys[0] == keys[1]:
        assert refusals == ["ALREADY_SUBMITTED"]
    assert User.objects.filter(username=person.id_number).count() == 1
    assert AccountEvent.objects.count() == 1
