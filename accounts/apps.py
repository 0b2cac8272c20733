from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Staff, organisation and audit"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (registers the checks; connects receivers)


class DmtAdminConfig(AdminConfig):
    """Django admin, restricted to the admin role (see accounts.admin_site)."""

    default_site = "accounts.admin_site.DmtAdminSite"

    def ready(self) -> None:
        super().ready()  # registers every app's admin
        from django.contrib import admin
        from django.contrib.auth.models import Group

        # Rights follow the role, not Django groups: an unused Group admin would be a way to
        # grant model permissions that no audit row records.
        if admin.site.is_registered(Group):
            admin.site.unregister(Group)
