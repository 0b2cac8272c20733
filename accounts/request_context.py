"""Who is asking, from where: set per request by middleware, read by the audit service.

A context variable rather than a thread-local, so it is right under ASGI too; outside a request
(commands, Celery tasks) it is empty and audit rows carry no IP or request id.
"""

from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None
    request_id: str


_current: ContextVar[RequestContext | None] = ContextVar("dmt_request_context", default=None)


def current_request_context() -> RequestContext | None:
    return _current.get()


def set_request_context(context: RequestContext | None) -> Token[RequestContext | None]:
    return _current.set(context)


def reset_request_context(token: Token[RequestContext | None]) -> None:
    _current.reset(token)
