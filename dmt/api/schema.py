"""The OpenAPI schema's conventions, applied to every operation so no view can forget them:
the error responses each operation can give (as problem details), the If-Match header on
changes to an existing record, the ETag header on detail responses, and null where a field
answers null.

A view lists the actions that change an existing record in `if_match_actions`;
dmt.api.conditional enforces the header, this documents it.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.fields import empty
from rest_framework.permissions import AllowAny

from .problems import PROBLEM_CONTENT_TYPE, Problem

IF_MATCH = OpenApiParameter(
    name="If-Match",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the record as you last read it. Without it: 428; if the "
    "record has changed since: 412, and nothing is changed.",
)
ETAG = OpenApiParameter(
    name="ETag",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[200, 201],
    description="The version of this representation: send it in If-Match to change it.",
)

ERRORS = {
    400: "Invalid input: `errors` lists each problem with a pointer to the field.",
    401: "No valid token: get one from POST /api/auth/token/ and send it as "
    "`Authorization: Bearer <token>`.",
    403: "Your role may not do this.",
    404: "There is no such record, or it is not yours to see (the two are not told apart).",
    412: "The record has changed since you read it (its ETag differs from If-Match).",
    415: "The request body must be JSON (`Content-Type: application/json`).",
    428: "If-Match is missing: read the record first and send its ETag.",
    429: "Too many requests: wait for the number of seconds in Retry-After.",
}


class ApiSchema(AutoSchema):
    def _is_detail(self) -> bool:
        return bool(getattr(self.view, "detail", False)) or "{" in self.path

    def _requires_if_match(self) -> bool:
        action = getattr(self.view, "action", None)
        return action is not None and action in getattr(self.view, "if_match_actions", ())

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._requires_if_match():
            parameters.append(IF_MATCH)
        if self._is_detail() and self.method in ("GET", "POST", "PUT", "PATCH"):
            parameters.append(ETAG)
        return parameters

    def _get_serializer_field_meta(self, field: Any, direction: Any) -> dict[str, Any]:
        """A read-only field with `default=None` answers null when its source is missing
        (a referral's practitioner before allocation, a token's revoker): documented as
        nullable, so that no resource has to remember `allow_null` as well."""
        meta: dict[str, Any] = super()._get_serializer_field_meta(field, direction)  # type: ignore[no-untyped-call]
        if getattr(field, "read_only", False) and getattr(field, "default", empty) is None:
            meta["nullable"] = True
        return meta

    def _error_codes(self) -> list[int]:
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        codes = [400, 429] if public else [400, 401, 403, 429]
        if self._is_detail():
            codes.append(404)
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append(415)
        if self._requires_if_match():
            codes += [412, 428]
        return sorted(codes)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        """Each operation's own responses, then every error it can give. Any error
        response, whether declared by the view or added here, is a problem detail: the
        Problem schema as application/problem+json (a view's examples are kept)."""
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        problem = self.resolve_serializer(Problem, direction).ref
        for error in self._error_codes():
            responses.setdefault(str(error), {"description": ERRORS[error]})
        for code, response in responses.items():
            if not code.isdigit() or int(code) < 400:
                continue
            examples = next(
                (
                    media["examples"]
                    for media in response.get("content", {}).values()
                    if media.get("examples")
                ),
                None,
            )
            media = {"schema": problem, **({"examples": examples} if examples else {})}
            response["content"] = {PROBLEM_CONTENT_TYPE: media}
        return responses
