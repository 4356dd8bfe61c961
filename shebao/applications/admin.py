"""Django admin for superusers: read-mostly. Applications change state only through the
services (with their guards, locks and audit events), so nothing here edits or deletes them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shebao.applications.models import (
    Application,
    ApplicationCounter,
    ApplicationEvent,
    DeferredMaterial,
    Material,
)
from shebao.common.admin import SpelledSearchMixin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "from_status", "to_status", "actor", "actor_kind", "reason")
    readonly_fields = fields
    ordering = ("at", "id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    can_delete = False
    fields = (
        "code",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_at",
        "removed_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeferredInline(admin.TabularInline):
    model = DeferredMaterial
    extra = 0
    can_delete = False
    fields = ("code", "name", "due_date", "supplied_at", "lapsed_at", "cancelled_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(SpelledSearchMixin, ReadOnlyAdmin):
    list_display = (
        "number",
        "matter",
        "applicant_kind",
        "status",
        "acceptance_mode",
        "district",
        "department",
        "submitted_at",
        "due_date",
    )
    list_filter = ("status", "acceptance_mode", "applicant_kind", "department")
    search_fields = (
        "number",
        "person__name",
        "person__id_number",
        "unit__name",
        "unit__credit_code",
    )
    date_hierarchy = "created_at"
    list_select_related = ("matter", "district", "department")
    inlines = [EventInline, MaterialInline, DeferredInline]


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "application",
        "action",
        "from_status",
        "to_status",
        "actor",
        "actor_kind",
    )
    list_filter = ("action", "actor_kind")
    search_fields = ("application__number", "reason")
    list_select_related = ("application__matter", "actor")


@admin.register(Material)
class MaterialAdmin(ReadOnlyAdmin):
    list_display = ("application", "code", "original_name", "content_type", "size", "uploaded_at")
    search_fields = ("application__number", "original_name", "sha256")
    # The stored file name is not shown: files are served only through the authorised views.
    exclude = ("file",)


@admin.register(DeferredMaterial)
class DeferredMaterialAdmin(ReadOnlyAdmin):
    list_display = ("application", "name", "due_date", "supplied_at", "lapsed_at", "cancelled_at")
    list_filter = ("due_date",)
    search_fields = ("application__number",)


@admin.register(ApplicationCounter)
class ApplicationCounterAdmin(ReadOnlyAdmin):
    list_display = ("day", "last")
