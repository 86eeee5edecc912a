"""Carries the request's user and address to the audit writer without threading them through calls."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "audit_request", default=None
)


@dataclass(frozen=True)
class RequestContext:
    remote_addr: str
    user_agent: str


def current_request_context() -> RequestContext | None:
    return _current.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(
            RequestContext(
                remote_addr=request.META.get("REMOTE_ADDR", "")[:45],
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
            )
        )
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
