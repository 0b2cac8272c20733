from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.models.base import ModelBase
from django.http import HttpRequest

from .audit import audit_record
from .models import AuditEvent, Role
from .permissions import signed_in_user

_ModelT = TypeVar("_ModelT", bound=Model)


class DmtAdminSite(admin.AdminSite):
    site_header = "DMT administration"
    site_title = "DMT administration"
    index_title = "Administration"

    # Two-factor devices are changed only through accounts.services (audited; the admin's
    # "reset two-factor" action on a member of staff), never edited here, where a secret
    # key could be read or a device swapped without an audit row.
    unadministered_apps = frozenset({"otp_totp", "otp_static", "otp_hotp", "otp_email"})

    def register(
        self,
        model_or_iterable: type[_ModelT] | Iterable[type[_ModelT]],
        admin_class: "type[admin.ModelAdmin[_ModelT]] | None" = None,
        **options: Any,
    ) -> None:
        models: Iterable[type[_ModelT]] = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        kept = [model for model in models if model._meta.app_label not in self.unadministered_apps]
        if kept:
            super().register(kept, admin_class, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        """Only the admin role: a social worker with is_staff set by mistake still gets no admin."""
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.ADMIN)


class AuditedModelAdmin(admin.ModelAdmin):
    """Every add, change and delete made through this admin writes an audit row.

    The row names the fields that changed, never their values, through the one audit service.
    The admin's views already run inside a transaction, so a save that fails leaves no row;
    the bulk delete action does not, hence the atomic block in delete_queryset.
    Every ModelAdmin registered here must be one of these (or change nothing at all): a test
    walks the registry.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _audit_admin_write(request, obj, form.changed_data, created=not change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _audit_admin_delete(request, obj)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            _audit_admin_delete(request, obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows: audited one by one, like the parent."""
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            _audit_admin_delete(request, obj)
            obj.delete()
        changed_fields = {id(form.instance): form.changed_data for form in formset.forms}
        for obj in formset.new_objects:
            obj.save()
            _audit_admin_write(request, obj, changed_fields.get(id(obj), []), created=True)
        for obj, fields in formset.changed_objects:
            obj.save()
            _audit_admin_write(request, obj, fields, created=False)
        formset.save_m2m()


def _audit_admin_write(request: HttpRequest, obj: Any, fields: list[str], *, created: bool) -> None:
    if not created and not fields:
        return  # saved as it was: nothing changed
    audit_record(
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        actor=signed_in_user(request),
        obj=obj,
        detail={"fields": sorted(fields), "via": "admin"},
    )


def _audit_admin_delete(request: HttpRequest, obj: Any) -> None:
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=signed_in_user(request),
        obj=obj,
        detail={"via": "admin"},
    )
