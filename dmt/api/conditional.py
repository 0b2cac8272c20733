"""ETag and If-Match, so that two systems never overwrite each other.

Every detail response carries an `ETag`: a digest of the representation the client was
given. A change to an existing record must send it back in `If-Match`: without it the
answer is 428, and if the record's representation has changed since (someone else saved,
or the client's copy is old) 412, and nothing is written. The service called afterwards is
given the version read here, and checks it again under a row lock (dmt.errors.EditConflict,
answered 412 too), so a change landing between this check and the write is refused as well.
"""

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from rest_framework.request import Request
from rest_framework.response import Response

from .problems import PreconditionFailed, PreconditionRequired


def etag_of(data: Any) -> str:
    """A strong entity tag of a representation (the same data, the same tag)."""
    text = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def check_if_match(request: Request, current: Any) -> None:
    """428 unless the request sends If-Match; 412 unless one of its tags is the ETag of
    `current`, the representation of the record as it is now. `*` is not enough: it would
    match whatever the record has become."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    tags = [tag.strip() for tag in header.split(",")]
    if tags == ["*"]:
        raise PreconditionRequired(
            "If-Match: * matches any version; send the ETag of the version you read."
        )
    if etag_of(current) not in tags:  # weak tags (W/"...") never match, as RFC 9110 says
        raise PreconditionFailed()


class ConditionalMixin:
    """For viewsets: an ETag on every successful detail response (one record), from the
    data the response carries."""

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if (
            getattr(self, "detail", False)
            and 200 <= response.status_code < 300
            and isinstance(getattr(response, "data", None), dict)
            and "ETag" not in response
        ):
            response["ETag"] = etag_of(response.data)
        return response
