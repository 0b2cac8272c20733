"""Role checks for views. Record-level rights live in each app's selectors."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Role

ViewFunc = Callable[..., HttpResponse]


def role_required(*roles: Role) -> Callable[[ViewFunc], ViewFunc]:
    """Let only users holding one of `roles` through; anyone else gets 403 Forbidden.

    Anonymous users never reach here: LoginRequiredMiddleware sends them to sign in first.
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
