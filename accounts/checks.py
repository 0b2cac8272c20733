"""System checks: settings that would otherwise fail on the first request fail at start-up."""

import ipaddress
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def trusted_proxies_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    for proxy in getattr(settings, "TRUSTED_PROXIES", ()):
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"TRUSTED_PROXIES holds {proxy!r}, which is not an address or network.",
                    hint="List your reverse proxies' addresses, e.g. 10.0.0.5,10.0.1.0/24.",
                    id="dmt.E001",
                )
            )
    return errors
