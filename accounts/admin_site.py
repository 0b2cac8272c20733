from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db.models.base import ModelBase
from django.http import HttpRequest

from .models import Role


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
        model_or_iterable: ModelBase | Iterable[ModelBase],
        admin_class: Any = None,
        **options: Any,
    ) -> None:
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        kept = [model for model in models if model._meta.app_label not in self.unadministered_apps]
        if kept:
            super().register(kept, admin_class, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        """Only the admin role: a social worker with is_staff set by mistake still gets no admin."""
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.ADMIN)
