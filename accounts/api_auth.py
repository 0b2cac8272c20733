"""`Authorization: Bearer <token>` for the API: a token from POST /api/auth/token/ (a member of
staff's, for a few hours) or one an administrator issued to a service account (a partner
agency's system, for a year).

A request with a token is the token's owner, with exactly their rights (the selectors decide
what they see, as on the pages); every request let in by a token writes one audit row naming
the token by its prefix (accounts.services.api_token_use). A request with a token that is
unknown, expired or revoked, or whose owner is switched off, is refused with 401 and a
message saying which, never let through as anonymous.

Imported by DRF's settings, so it imports no DRF views (nor drf-spectacular, which does):
the schema's description of it is in accounts.api_schema.
"""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from . import selectors, services
from .models import ApiToken, User

KEYWORD = "Bearer"


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None  # no token: another way in (a session), or anonymous
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as one word after Bearer: Authorization: Bearer <token>"
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            key = ""
        token = selectors.api_token_for_key(key) if key else None
        if token is None:
            raise exceptions.AuthenticationFailed("This API token is not valid")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API token has been revoked")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(
                "This API token has expired: ask for a new one at /api/auth/token/"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                "The account this token belongs to has been switched off"
            )
        match = request._request.resolver_match
        services.api_token_use(token=token, page=match.view_name if match else "")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        """Makes DRF answer a request without credentials 401 with WWW-Authenticate, not 403."""
        return f'{KEYWORD} realm="api"'
