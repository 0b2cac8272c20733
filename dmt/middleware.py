"""Headers every response from Django carries (static files are answered before this runs)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` -> `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


class ResponseHeadersMiddleware:
    """`Cache-Control: no-store` and the `Permissions-Policy` on every response.

    Pages, exports, API answers and calendar files hold case data, so no browser cache, proxy
    or shared computer may keep a copy of any of them. Rather than trust each view to say so,
    every response Django makes is marked; one that sets its own Cache-Control keeps it, with
    no-store added. Static files never reach here: WhiteNoise, earlier in MIDDLEWARE, serves
    them with their long cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
