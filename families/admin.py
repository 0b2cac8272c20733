"""The case records in the admin, where nobody may read or change them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Allocation,
    ChronologyEntry,
    ClosureRequest,
    Contact,
    Family,
    Person,
    Plan,
    PlanAction,
    StatusEpisode,
)


class CaseRecordAdmin(admin.ModelAdmin):
    """Case records are neither read nor changed in Django admin.

    Administrators run the system, not casework, so they see no case records (as in
    families.selectors.family_list_for); every change goes through the services, which
    validate it and write its audit row (STYLE.md: one path for every write). The classes
    stay registered so the import page has a home and their list settings document the data.
    """

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Family)
class FamilyAdmin(CaseRecordAdmin):
    list_display = ["reference", "locality", "team", "social_worker", "cohort", "opened_on"]
    list_filter = ["locality", "team", "cohort", "opened_on", "closed_on"]
    search_fields = ["reference"]
    list_select_related = ["locality", "team", "social_worker"]
    raw_id_fields = ["social_worker"]
    readonly_fields = ["created_at", "updated_at", "version"]
    date_hierarchy = "opened_on"


@admin.register(Person)
class PersonAdmin(CaseRecordAdmin):
    list_display = ["reference", "given_name", "family_name", "role", "family", "date_of_birth"]
    list_filter = ["role", "sex", "care_experienced", "contact_restricted"]
    search_fields = ["reference", "given_name", "family_name", "family__reference"]
    list_select_related = ["family"]
    raw_id_fields = ["family", "father"]
    readonly_fields = ["created_at", "updated_at", "version"]


@admin.register(StatusEpisode)
class StatusEpisodeAdmin(CaseRecordAdmin):
    list_display = ["child", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["child__reference", "child__given_name", "child__family_name"]
    list_select_related = ["child"]
    raw_id_fields = ["child"]
    date_hierarchy = "start_date"


@admin.register(Contact)
class ContactAdmin(CaseRecordAdmin):
    list_display = ["occurred_at", "kind", "family", "recorded_by", "significant"]
    list_filter = ["kind", "significant"]
    search_fields = ["family__reference", "note"]
    list_select_related = ["family", "recorded_by"]
    raw_id_fields = ["family", "recorded_by", "people_seen", "children_seen_alone"]
    readonly_fields = ["created_at", "updated_at", "version"]
    date_hierarchy = "occurred_at"


@admin.register(Allocation)
class AllocationAdmin(CaseRecordAdmin):
    list_display = ["family", "social_worker", "start_date", "end_date", "allocated_by"]
    search_fields = ["family__reference", "social_worker__username"]
    list_select_related = ["family", "social_worker", "allocated_by"]
    raw_id_fields = ["family", "social_worker", "allocated_by"]


@admin.register(ClosureRequest)
class ClosureRequestAdmin(CaseRecordAdmin):
    list_display = ["family", "closing_on", "reason", "decision", "requested_by", "decided_by"]
    list_filter = ["decision", "reason"]
    search_fields = ["family__reference"]
    list_select_related = ["family", "requested_by", "decided_by"]
    raw_id_fields = ["family", "requested_by", "decided_by"]


@admin.register(ChronologyEntry)
class ChronologyEntryAdmin(CaseRecordAdmin):
    list_display = ["occurred_on", "family", "summary", "recorded_by"]
    search_fields = ["family__reference", "summary"]
    list_select_related = ["family", "recorded_by"]
    raw_id_fields = ["family", "contact", "status_episode", "recorded_by"]
    date_hierarchy = "occurred_on"


@admin.register(Plan)
class PlanAdmin(CaseRecordAdmin):
    list_display = ["child", "kind", "started_on", "review_on", "ended_on"]
    list_filter = ["kind"]
    search_fields = ["child__reference", "child__given_name", "child__family_name"]
    list_select_related = ["child"]
    raw_id_fields = ["child"]


@admin.register(PlanAction)
class PlanActionAdmin(CaseRecordAdmin):
    list_display = ["description", "plan", "owner_worker", "owner_person", "due_on", "status"]
    list_filter = ["status"]
    search_fields = ["description", "plan__child__reference"]
    list_select_related = ["plan__child", "owner_worker", "owner_person"]
    raw_id_fields = ["plan", "owner_worker", "owner_person"]
