"""An individual's account follows the registry when the person's name or ID number changes.

An individual signs in with their ID number: it is the account's login name (``username``).
When the agency approves a change of the person's ID number (公民身份号码变更), the registry row
keeps its identity (accounts, relations and cases still point to it) and takes the new number;
in the same transaction the account's login name becomes the new number, so the person signs
in with the number on their new ID card and the old number no longer signs in anyone. The
password, the sessions and the API tokens are the user's and stay valid: nothing about the
credentials changed. A new number that is already another account's login name is refused,
before anything is written.
"""

from __future__ import annotations

from django.db import transaction

from shebao.accounts.models import User
from shebao.common.errors import Conflict
from shebao.registry.models import Person


def individual_login_taken(*, id_number: str, person: Person) -> bool:
    """Whether ``id_number`` already signs in an account other than the person's own."""
    return User.objects.filter(username=id_number).exclude(person=person).exists()


@transaction.atomic
def individual_account_follow(*, person: Person) -> User | None:
    """Give the person's individual account the person's current ID number (as login name)
    and name; returns the account, or None when the person has none (or it is in step)."""
    user = User.objects.select_for_update().filter(person=person, kind=User.Kind.INDIVIDUAL).first()
    if user is None:
        return None
    if individual_login_taken(id_number=person.id_number, person=person):
        raise Conflict(
            "新的公民身份号码已是另一个网上大厅账号的登录名，请到经办机构核实后办理",
            code="ID_NUMBER_LOGIN_TAKEN",
            field="new_id_number",
        )
    fields = [
        name
        for name, value in (("username", person.id_number), ("name", person.name))
        if getattr(user, name) != value
    ]
    if not fields:
        return None
    user.username = person.id_number
    user.name = person.name
    user.save(update_fields=fields)
    return user
