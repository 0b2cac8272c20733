"""Role checks for views. Record-level rights live in each app's selectors."""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .models import Role, User

if TYPE_CHECKING:  # DRF's views load its settings, which import this app's authentication
    from rest_framework.views import APIView

ViewFunc = Callable[..., HttpResponse]


def signed_in_user(request: HttpRequest | Request) -> User:
    """The member of staff making the request.

    Typed as the user model rather than "a user or AnonymousUser": LoginRequiredMiddleware
    sends anonymous visitors to sign in before any view but the sign-in pages runs, the admin
    lets only staff in, and the API requires authentication (dmt.settings REST_FRAMEWORK).
    """
    return cast(User, request.user)


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


class IsAdministrator(BasePermission):
    """The API's administrator-only operations (service accounts): the admin role, as for
    Django admin; anyone else gets 403, and a request without credentials 401."""

    message = "Only an administrator may do this."

    def has_permission(self, request: Request, view: "APIView") -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "role", None) == Role.ADMIN)
