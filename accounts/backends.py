"""The sign-in backend: Django's own, except that a service account never signs in.

A service account is a partner agency's system, reaching DMT through the API with a token
(accounts.api_auth). It has no usable password, so a password could not let it in anyway;
refusing it here as well means no session can ever belong to one: Django asks the backend
for the session's user on every request (get_user), and gets nobody.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser

from .models import User


class StaffBackend(ModelBackend):
    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        if getattr(user, "is_service_account", False):
            return False
        return super().user_can_authenticate(user)
