from django.contrib import admin
from django.http import HttpRequest

from .models import Role


class DmtAdminSite(admin.AdminSite):
    site_header = "DMT administration"
    site_title = "DMT administration"
    index_title = "Administration"

    def has_permission(self, request: HttpRequest) -> bool:
        """Only the admin role: a social worker with is_staff set by mistake still gets no admin."""
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.ADMIN)
