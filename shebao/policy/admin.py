"""Django admin for superusers: the stored records, their audit trail and stored results.

Day-to-day edits go through the staff pages (/policy/), which check the schema, refuse
overlapping periods and write the audit event; here the audit and results are read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from shebao.policy.models import CalculationRecord, PolicyChange, PolicyParameter


class SuperuserOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser


class ReadOnly(SuperuserOnly):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PolicyParameter)
class PolicyParameterAdmin(ReadOnly):
    list_display = ("region", "key", "valid_from", "valid_to", "status", "origin", "source")
    list_filter = ("status", "origin", "region")
    search_fields = ("key", "source", "note")
    date_hierarchy = "valid_from"
    readonly_fields = ("created_at", "updated_at", "updated_by")


@admin.register(PolicyChange)
class PolicyChangeAdmin(ReadOnly):
    list_display = ("at", "action", "region_code", "key", "valid_from", "actor")
    list_filter = ("action",)
    search_fields = ("key", "region_code", "reason")


@admin.register(CalculationRecord)
class CalculationRecordAdmin(ReadOnly):
    list_display = (
        "id",
        "kind",
        "region",
        "subject_type",
        "subject_id",
        "provisional",
        "superseded_by",
        "created_at",
    )
    list_filter = ("kind", "provisional")
    search_fields = ("subject_id",)
