"""System configuration of the catalogue (Django admin, superusers).

The matters come from the versioned data files (``shebao/catalogue/data/``, loaded by
``manage.py catalogue_load``), so the admin shows them read-only; only ``enabled`` can be switched
here to stop a matter at once. The next load restores what the data files say.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from shebao.catalogue.models import Matter


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "category",
        "applicant_kind",
        "department",
        "acceptance_mode",
        "time_limit_days",
        "instant",
        "window_bound",
        "enabled",
    )
    list_filter = (
        "enabled",
        "category",
        "applicant_kind",
        "department",
        "acceptance_mode",
        "instant",
        "window_bound",
    )
    search_fields = ("code", "name", "search_text")
    list_select_related = ("department",)
    ordering = ("sort_order", "code")
    fields = (
        "enabled",
        "code",
        "name",
        "category",
        "applicant_kind",
        "department",
        "summary",
        "conditions",
        "materials",
        "acceptance_mode",
        "commitment_text",
        "tolerance_days",
        "time_limit_days",
        "instant",
        "window_bound",
        "deadline_note",
        "steps",
        "online_path",
        "fields",
        "handler",
        "legal_basis",
        "fee",
        "keywords",
        "note",
        "sources",
        "sort_order",
        "updated_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Matter | None = None) -> list[str]:
        return [name for name in self.fields if name != "enabled"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Matter | None = None) -> bool:
        return False
