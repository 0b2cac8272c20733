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
