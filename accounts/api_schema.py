"""How the OpenAPI schema (drf-spectacular) describes the API's bearer tokens.

Apart from accounts.api_auth because drf-spectacular imports DRF's views, which import
DRF's settings, which import accounts.api_auth. accounts.api imports this, so the extension
is registered whenever the API's URLs are loaded.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """The bearer security scheme, for every operation that BearerTokenAuthentication guards."""

    target_class = "accounts.api_auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "dmt_…",
            "description": "A token from POST /api/auth/token/ (a member of staff's, valid "
            "for DMT_API_TOKEN_HOURS), or one an administrator issued to a service account "
            "(valid for DMT_SERVICE_TOKEN_DAYS). Send it as: Authorization: Bearer <token>.",
        }
