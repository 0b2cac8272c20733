import ipaddress
import re
import uuid
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .request_context import RequestContext, reset_request_context, set_request_context

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# A request id passed on by our own proxy is kept only if it looks like one (so logs and the
# audit trail cannot be forged or stuffed); any other request gets a fresh one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
# Our proxies add a hop each; a chain is read from its right-hand end, this many hops at most.
_MAX_HOPS = 20


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def trusted_proxies() -> tuple[IPNetwork, ...]:
    """The TRUSTED_PROXIES setting (addresses or networks of our own reverse proxies)."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address: IPAddress, proxies: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in proxies)


def _from_trusted_proxy(request: HttpRequest) -> bool:
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    return peer is not None and _is_trusted(peer, trusted_proxies())


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, for the audit trail and sign-in throttling.

    The peer (REMOTE_ADDR) unless it is one of our TRUSTED_PROXIES; then X-Forwarded-For is
    read from its right-hand end, where our proxies append, to the first hop that is not one
    of ours: that is the client. Whatever lies to its left was written by the client and is
    ignored, however long or malformed. A hop that is not an address where the client's
    should be is never an error: the nearest trusted hop (or the peer) is recorded instead.
    """
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    proxies = trusted_proxies()
    if not _is_trusted(peer, proxies):
        return str(peer)
    nearest = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", _MAX_HOPS)
    for text in reversed(hops[-_MAX_HOPS:]):
        hop = _address(text)
        if hop is None:
            break
        if not _is_trusted(hop, proxies):
            return str(hop)
        nearest = hop
    return str(nearest)


def request_id_for(request: HttpRequest) -> str:
    """Our trusted proxy's request id when it sent a well-formed one; otherwise a new one."""
    incoming: str = request.META.get("HTTP_X_REQUEST_ID", "")
    if incoming and _REQUEST_ID.fullmatch(incoming) and _from_trusted_proxy(request):
        return incoming
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Gives each request an id (echoed in X-Request-ID) and records the client's IP for audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        # An attribute of our own on Django's request, as middleware does (not in the stubs).
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_context(RequestContext(client_ip(request), request_id))
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = request_id
        return response
