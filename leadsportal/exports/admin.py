"""Every agency's exports, read-only: the audit trail is not edited, nor deleted, by hand."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from leadsportal.exports.models import ExportRecord


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "username",
        "agency_name",
        "family",
        "classified_id",
        "format",
        "row_count",
        "expected_count",
        "status",
        "duration",
    ]
    list_filter = ["status", "format", "family", "agency"]
    search_fields = ["username", "agency_name"]
    date_hierarchy = "created_at"
    list_select_related = ["agency"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
