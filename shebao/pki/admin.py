"""Configuration views of the CA records. All read-only: certificates are issued and revoked
only through the services (which sign, audit and notify), never by editing rows."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from shebao.common.admin import SpelledSearchMixin
from shebao.pki.models import (
    CaChallenge,
    CaSignInAttempt,
    CertificateAuthority,
    CertificateRequest,
    PkiEvent,
    UnitCertificate,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(ReadOnlyAdmin):
    list_display = ["name", "key_algorithm", "fingerprint", "not_before", "not_after", "status"]


@admin.register(CertificateRequest)
class CertificateRequestAdmin(SpelledSearchMixin, ReadOnlyAdmin):
    list_display = ["unit", "user", "channel", "status", "submitted_at", "decided_by"]
    list_filter = ["status", "channel"]
    search_fields = ["unit__name", "unit__credit_code", "user__name"]
    list_select_related = ["unit", "user", "decided_by"]


@admin.register(UnitCertificate)
class UnitCertificateAdmin(SpelledSearchMixin, ReadOnlyAdmin):
    list_display = [
        "unit_name",
        "holder_name",
        "serial",
        "not_before",
        "not_after",
        "status",
        "last_used_at",
    ]
    list_filter = ["status"]
    search_fields = ["unit_name", "credit_code", "holder_name", "serial", "fingerprint"]


@admin.register(CaChallenge)
class CaChallengeAdmin(ReadOnlyAdmin):
    list_display = ["value", "channel", "created_at", "expires_at", "used_at"]
    list_filter = ["channel"]


@admin.register(CaSignInAttempt)
class CaSignInAttemptAdmin(ReadOnlyAdmin):
    list_display = ["at", "channel", "outcome", "code", "unit", "user", "serial", "ip"]
    list_filter = ["outcome", "channel", "code"]
    search_fields = ["serial", "fingerprint", "user__name", "unit__name"]
    list_select_related = ["unit", "user"]


@admin.register(PkiEvent)
class PkiEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "actor", "unit", "certificate", "note"]
    list_filter = ["kind"]
    list_select_related = ["actor", "unit", "certificate"]
