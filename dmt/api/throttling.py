"""Throttling per token: one partner's runaway sync cannot starve everyone else.

Requests authenticated by a token are counted per token; by a browser session, per user;
anonymous ones (getting a token) per client address, under the stricter "auth" scope. The
counts live in the default cache: Redis in production (every web process shares them),
local memory under `make run`. Too many answers 429 with Retry-After (dmt.api.problems).
"""

from typing import TYPE_CHECKING

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.views import APIView


class _SettingsRate(SimpleRateThrottle):
    """The rate read from the settings when asked (DRF binds them when it is imported)."""

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return None if rate is None else str(rate)


class TokenRateThrottle(_SettingsRate):
    scope = "token"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        user = request.user
        if user is None or not user.is_authenticated:
            return None  # anonymous: only the views that allow it, throttled by their scope
        token_id = getattr(request.auth, "pk", None)
        ident = f"token-{token_id}" if token_id is not None else f"user-{user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(_SettingsRate):
    """The views anyone may call (getting a token), per client address."""

    scope = "auth"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if request.user is not None and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
