from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import AuditEvent, Locality, PartnerAgency, Team, User


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ["name", "child_population"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "locality"]
    list_filter = ["locality"]
    search_fields = ["name"]


@admin.register(PartnerAgency)
class PartnerAgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "pathway", "team", "is_active"]
    list_filter = ["role", "pathway", "team__locality", "team", "agency", "is_active"]
    list_select_related = ["team"]
    actions = ["reset_two_factor"]
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "Work",
            {
                "fields": (
                    "role",
                    "pathway",
                    "leads_pathway",
                    "team",
                    "locality",
                    "agency",
                    "fte",
                    "mi_trained_on",
                )
            },
        ),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (
            "Work",
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "role",
                    "pathway",
                    "team",
                    "locality",
                    "agency",
                    "fte",
                )
            },
        ),
    )

    @admin.action(description="Reset two-factor authentication (lost app and recovery codes)")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.two_factor_turn_off(user=user, acting_user=request.user)  # type: ignore[arg-type]
        self.message_user(
            request,
            f"Reset two-factor authentication for {queryset.count()} member(s) of staff. "
            "Those whose role needs it set up a new authenticator app at their next sign-in.",
            messages.SUCCESS,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail is evidence: nobody edits or deletes it, admins included."""

    list_display = ["at", "username", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_id", "request_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
