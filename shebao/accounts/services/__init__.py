"""Writes of the accounts app. Each module holds one concern; the public functions are
re-exported here so that callers write ``from shebao.accounts import services``."""

from shebao.accounts.services.api_tokens import (
    APP_TOKEN_TTL,
    IssuedToken,
    app_token_issue,
    app_token_revoke,
    partner_token_issue,
    tokens_revoke,
)
from shebao.accounts.services.codes import code_request, code_send
from shebao.accounts.services.identity import individual_account_follow, individual_login_taken
from shebao.accounts.services.passwords import password_change, password_reset, password_validate
from shebao.accounts.services.registration import (
    LEGAL_REP_ADVICE,
    CounterRegistration,
    UnitDraft,
    account_register,
    unit_register_at_counter,
    unit_register_online,
)
from shebao.accounts.services.roles import (
    GrantChange,
    grants_version,
    unit_user_appoint,
    unit_user_grants_set,
    unit_user_revoke,
)
from shebao.accounts.services.signin import (
    SignIn,
    account_unlock,
    sign_in_authenticate,
    sign_in_record,
    sign_out_record,
)

__all__ = [
    "APP_TOKEN_TTL",
    "LEGAL_REP_ADVICE",
    "CounterRegistration",
    "GrantChange",
    "IssuedToken",
    "SignIn",
    "UnitDraft",
    "account_register",
    "account_unlock",
    "app_token_issue",
    "app_token_revoke",
    "code_request",
    "code_send",
    "grants_version",
    "individual_account_follow",
    "individual_login_taken",
    "partner_token_issue",
    "password_change",
    "password_reset",
    "password_validate",
    "sign_in_authenticate",
    "sign_in_record",
    "sign_out_record",
    "tokens_revoke",
    "unit_register_at_counter",
    "unit_register_online",
    "unit_user_appoint",
    "unit_user_grants_set",
    "unit_user_revoke",
]
