"""Staff and the organisation's configuration in Django admin, every change audited.

Case records are not here at all: administrators run the system, not casework. Staff
changes go through accounts.services like any other staff change; configuration goes
through AuditedModelAdmin; the audit trail is read-only.
"""

from contextvars import ContextVar
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from . import services
from .admin_site import AuditedModelAdmin
from .models import AuditEvent, Locality, PartnerAgency, Team, User
from .permissions import signed_in_user
from .selectors import audit_events_for
from .services import staff_create, staff_set_password, staff_update

# Who is changing a password in the admin: Django builds the form without the request, and
# the service must name the person acting. Set only around StaffAdmin.user_change_password.
_acting_user: ContextVar[User | None] = ContextVar("dmt_admin_acting_user", default=None)


@admin.register(Locality)
class LocalityAdmin(AuditedModelAdmin):
    list_display = ["name", "child_population"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    list_display = ["name", "locality"]
    list_filter = ["locality"]
    search_fields = ["name"]


@admin.register(PartnerAgency)
class PartnerAgencyAdmin(AuditedModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]


class StaffPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's set-password form, saving through staff_set_password (validated, audited)."""

    def save(self, commit: bool = True) -> User:
        acting_user = _acting_user.get()
        if acting_user is None:
            raise RuntimeError("StaffPasswordChangeForm saves only inside StaffAdmin.")
        usable = self.cleaned_data.get("set_usable_password", True)
        return staff_set_password(
            user=self.user,
            password=self.cleaned_data["password1"] if usable else None,
            acting_user=acting_user,
        )


WORK_FIELDS = (
    "role",
    "pathway",
    "leads_pathway",
    "team",
    "locality",
    "agency",
    "fte",
    "mi_trained_on",
)


@admin.register(User)
class StaffAdmin(UserAdmin):
    """Staff records. Rights follow the role (is_staff and is_superuser are set from it), so
    Django's groups and per-user permissions are not offered."""

    change_password_form = StaffPasswordChangeForm
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "pathway",
        "team",
        "is_active",
        "can_import_cases",
    ]
    list_filter = ["role", "pathway", "team__locality", "team", "agency", "is_active"]
    list_select_related = ["team"]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_two_factor"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Work", {"fields": WORK_FIELDS}),
        ("Access", {"fields": ("is_active", "can_import_cases")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Work", {"fields": WORK_FIELDS}),
        ("Access", {"fields": ("can_import_cases",)}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Staff leave by being made inactive: the audit trail and case history name them.
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        acting_user = signed_in_user(request)
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            staff_update(user=obj, changes=changes, acting_user=acting_user)
        else:
            usable = form.cleaned_data.get("set_usable_password", True)
            staff_create(
                user=obj,
                password=form.cleaned_data["password1"] if usable else None,
                acting_user=acting_user,
            )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        token = _acting_user.set(signed_in_user(request))
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _acting_user.reset(token)

    @admin.action(description="Reset two-factor authentication (lost app and recovery codes)")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        acting_user = signed_in_user(request)
        others = [user for user in queryset if user.pk != acting_user.pk]
        if len(others) < len(queryset):
            # An administrator's own app is changed from their Two-factor page, with a code.
            self.message_user(
                request,
                "Your own two-factor authentication is not reset here: use the Two-factor "
                "authentication page.",
                messages.ERROR,
            )
        with transaction.atomic():
            for user in others:
                services.two_factor_turn_off(user=user, acting_user=acting_user)
        if others:
            self.message_user(
                request,
                f"Reset two-factor authentication for {len(others)} member(s) of staff. "
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        """The administrator reads system events only (accounts.selectors.audit_events_for)."""
        return audit_events_for(signed_in_user(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
