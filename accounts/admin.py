"""Staff and the organisation's configuration in Django admin, every change audited.

Case records are not here at all: administrators run the system, not casework. Staff
changes go through accounts.services like any other staff change; configuration goes
through AuditedModelAdmin; the audit trail is read-only.
"""

from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from dmt import parsing

from . import services
from .admin_site import AuditedModelAdmin
from .models import ApiToken, AuditEvent, Locality, PartnerAgency, Role, ServiceAccount, Team, User
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        """People only: service accounts have their own page (ServiceAccountAdmin), with no
        password to set and a token to rotate."""
        return super().get_queryset(request).filter(is_service_account=False)

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


# API tokens and service accounts -------------------------------------------------------------

# Where ServiceAccountAdmin.save_model leaves the token it issued, for response_add to show.
_ISSUED_ATTRIBUTE = "dmt_issued_tokens"


def show_new_tokens(
    request: HttpRequest, model_admin: admin.ModelAdmin, issued: list[services.IssuedToken]
) -> TemplateResponse:
    """The page that shows new tokens, once: they are never stored, so never shown again.
    Rendered in the response itself rather than passed on in a message, which would keep the
    token in the session or a cookie until read."""
    return TemplateResponse(
        request,
        "admin/accounts/new_tokens.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": "Copy the new token now",
            "issued": issued,
        },
    )


class ServiceAccountForm(forms.ModelForm):
    """A service account's details. It is a practitioner of one pathway at one agency, so
    both are required, and the model's constraints are checked as such."""

    class Meta:
        model = ServiceAccount
        fields = ["username", "first_name", "pathway", "agency", "is_active"]
        labels = {"first_name": "Name of the partner's system"}
        field_classes = {"agency": parsing.ModelChoiceField}  # ids read by dmt.parsing

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.role = Role.SPECIALIST
        self.instance.is_service_account = True
        for name in ("first_name", "pathway", "agency"):
            if name in self.fields:
                self.fields[name].required = True


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    """Partner agencies' systems: created here with their first token, and their tokens
    rotated, all through accounts.services (validated, audited). The token is shown once."""

    form = ServiceAccountForm
    list_display = ["username", "first_name", "pathway", "agency", "is_active", "token_expires"]
    list_filter = ["pathway", "agency", "is_active"]
    search_fields = ["username", "first_name"]
    list_select_related = ["agency"]
    readonly_fields = ["current_tokens", "date_joined"]
    actions = ["rotate_token"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["username", "first_name", "pathway", "agency"]
        return [
            "username",
            "first_name",
            "pathway",
            "agency",
            "is_active",
            "current_tokens",
            "date_joined",
        ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Switched off, like staff: the audit trail names it.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceAccount]:
        """With when each account's token expires, read in the list's one query."""
        usable = Q(api_tokens__revoked_at__isnull=True, api_tokens__expires_at__gt=timezone.now())
        accounts: QuerySet[ServiceAccount] = super().get_queryset(request)
        return accounts.annotate(token_expires_at=Max("api_tokens__expires_at", filter=usable))

    @admin.display(description="token expires", ordering="token_expires_at")
    def token_expires(self, account: User) -> Any:
        return getattr(account, "token_expires_at", None) or "no token"

    @admin.display(description="tokens in use")
    def current_tokens(self, account: User) -> str:
        tokens = [
            f"{token.prefix}… (expires {token.expires_at:%d %b %Y})"
            for token in _usable_tokens(account)
        ]
        return ", ".join(tokens) or "None: rotate to issue one"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        acting_user = signed_in_user(request)
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            staff_update(user=obj, changes=changes, acting_user=acting_user)
        else:
            issued = services.service_account_create(account=obj, acting_user=acting_user)
            setattr(request, _ISSUED_ATTRIBUTE, [issued])

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        issued = getattr(request, _ISSUED_ATTRIBUTE, None)
        if issued:
            return show_new_tokens(request, self, issued)
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description="Rotate token (the old ones stop working at once)")
    def rotate_token(
        self, request: HttpRequest, queryset: QuerySet[ServiceAccount]
    ) -> HttpResponse | None:
        accounts = list(queryset.order_by("username"))
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/accounts/rotate_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "title": "Rotate tokens",
                    "accounts": accounts,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        acting_user = signed_in_user(request)
        try:
            with transaction.atomic():
                issued = [
                    services.service_token_rotate(account=account, acting_user=acting_user)
                    for account in accounts
                ]
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        return show_new_tokens(request, self, issued)


def _usable_tokens(account: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        user=account, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-expires_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every API token, to read and to revoke (through accounts.services, audited). Tokens
    are made by signing in to the API or on the service account page; the token itself and
    its hash are never shown."""

    TOKEN_FIELDS = (
        "prefix",
        "name",
        "user",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    list_display = TOKEN_FIELDS
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "user__is_service_account"]
    search_fields = ["prefix", "name", "user__username"]
    list_select_related = ["user", "revoked_by"]
    fields = TOKEN_FIELDS
    readonly_fields = TOKEN_FIELDS
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens (they stop working at once)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        acting_user = signed_in_user(request)
        with transaction.atomic():
            revoked = sum(
                services.api_token_revoke(token=token, acting_user=acting_user)
                for token in queryset.select_related("user")
            )
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)


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
