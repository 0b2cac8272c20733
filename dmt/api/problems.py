"""Every API error as an RFC 9457 problem detail (`application/problem+json`).

One shape for everything a client can get wrong, so a partner's system needs one error
handler: `type` (a link to its explanation on the /api/ page, or about:blank for plain HTTP
errors), `title` (the same for every problem of the type), `status`, `detail` (this
occurrence, in words a person can act on), `instance` (the path asked for) and, for
invalid input, `errors`: one `{"detail", "pointer"}` per field, the pointer a JSON Pointer
into the request body as in RFC 9457's own example.

Services raise Django's ValidationError and dmt.errors.EditConflict; views raise DRF's
exceptions. All of them come here (REST_FRAMEWORK["EXCEPTION_HANDLER"]).
"""

import json
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from dmt.errors import EditConflict

PROBLEM_CONTENT_TYPE = "application/problem+json"
# The /api/ page explains each of these under an anchor of the same name.
PROBLEM_BASE = "/api/#problem-"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send the record's ETag in an If-Match header: read the record, then change it, "
        "so that a change made by someone else in between is never overwritten."
    )
    default_code = "precondition-required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record has changed since you read it. Read it again, check the change still "
        "makes sense, and send it with the new ETag."
    )
    default_code = "edit-conflict"


# type slug and title of the problems DMT defines; any other status is about:blank.
PROBLEM_TYPES: dict[str, str] = {
    "invalid-input": "Your request has invalid input",
    "edit-conflict": "The record has changed since you read it",
    "precondition-required": "An If-Match header is required",
    "not-authenticated": "Authentication is required",
    "permission-denied": "You may not do this",
    "not-found": "Not found, or not yours to see",
    "throttled": "Too many requests",
}


# What each problem means and what to do, for the /api/ page the `type` links point to.
PROBLEM_EXPLANATIONS: dict[str, str] = {
    "invalid-input": "Something you sent cannot be accepted. Each entry of `errors` says "
    "what and points at the field; nothing was changed.",
    "edit-conflict": "Someone changed the record after you read it. Read it again (GET), "
    "check your change still makes sense, and send it with the new ETag as If-Match.",
    "precondition-required": "Changes to an existing record need the record's ETag in an "
    "If-Match header, so that you never overwrite a change you have not seen.",
    "not-authenticated": "Send a valid token as `Authorization: Bearer <token>`. Tokens "
    "expire and can be revoked: get a new one from POST /api/auth/token/.",
    "permission-denied": "Your role may not do this, whatever the record.",
    "not-found": "There is no such record, or you may not see it: the API does not tell "
    "the two apart, so that a reference reveals nothing.",
    "throttled": "Your token has made too many requests. Wait for the number of seconds "
    "in the Retry-After header.",
}


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


def _slug_of(exc: exceptions.APIException) -> str | None:
    if isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        return "invalid-input"
    if isinstance(exc, PreconditionFailed):
        return "edit-conflict"
    if isinstance(exc, PreconditionRequired):
        return "precondition-required"
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return "not-authenticated"
    if isinstance(exc, exceptions.PermissionDenied):
        return "permission-denied"
    if isinstance(exc, exceptions.NotFound):
        return "not-found"
    if isinstance(exc, exceptions.Throttled):
        return "throttled"
    return None


def field_errors(detail: Any, pointer: str = "#") -> Iterator[dict[str, str]]:
    """DRF's nested error detail as a flat list of {"detail", "pointer"}. Errors of the whole
    request (non_field_errors, Django's __all__) point at "#", the document itself."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            if key in (api_settings.NON_FIELD_ERRORS_KEY, "__all__"):
                yield from field_errors(value, pointer)
            else:
                yield from field_errors(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(detail, list):
        if all(not isinstance(item, Mapping | list) for item in detail):
            for item in detail:
                yield {"detail": str(item), "pointer": pointer}
        else:  # a list field's errors, item by item
            for index, item in enumerate(detail):
                yield from field_errors(item, f"{pointer}/{index}")
    else:
        yield {"detail": str(detail), "pointer": pointer}


def _escape(token: str) -> str:
    """RFC 6901: "~" and "/" inside a pointer's token."""
    return token.replace("~", "~0").replace("/", "~1")


def _from_django(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, EditConflict):
        return PreconditionFailed()
    return None


def problem(exc: exceptions.APIException, instance: str) -> dict[str, Any]:
    slug = _slug_of(exc)
    code = exc.status_code
    body: dict[str, Any] = {
        "type": problem_type(slug) if slug else "about:blank",
        "title": PROBLEM_TYPES[slug] if slug else HTTPStatus(code).phrase,
        "status": code,
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = list(field_errors(exc.detail))
        body["detail"] = (
            errors[0]["detail"]
            if len(errors) == 1
            else f"{len(errors)} problems with your request: see errors."
        )
        body["errors"] = errors
    else:
        body["detail"] = str(exc.detail)
    body["instance"] = instance
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK's EXCEPTION_HANDLER: DRF's own, answered as a problem detail."""
    converted = _from_django(exc)
    if converted is not None:
        exc = converted
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django's handler logs it and answers 500
    headers: dict[str, str] = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if (wait := getattr(exc, "wait", None)) is not None:
        headers["Retry-After"] = str(max(1, round(wait)))
    set_rollback()
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    return Response(
        problem(exc, instance),
        status=exc.status_code,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )


API_PREFIX = "/api/"


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler404, for a URL no route takes (/api/nothing/, or a reference the
    route's pattern refuses): under /api/ a problem detail like every other API error, so a
    client never gets the site's HTML page; elsewhere that page."""
    if request.path.startswith(API_PREFIX):
        body = problem(exceptions.NotFound(), request.get_full_path())
        return HttpResponse(json.dumps(body), status=404, content_type=PROBLEM_CONTENT_TYPE)
    return defaults.page_not_found(request, exception)


class ProblemFieldError(serializers.Serializer):
    detail = serializers.CharField(help_text="What is wrong, in words a person can act on.")
    pointer = serializers.CharField(
        help_text='A JSON Pointer into the request body ("#/note"); "#" for the whole request.'
    )


class Problem(serializers.Serializer):
    """The schema of every error response (documentation only)."""

    type = serializers.CharField(
        help_text="A link to the explanation of this kind of problem, or about:blank."
    )
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="The path that was asked for.")
    errors = ProblemFieldError(  # type: ignore[assignment]  # a field named like Serializer.errors
        many=True, required=False, help_text="Invalid input only: one entry per problem."
    )
