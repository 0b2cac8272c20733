"""The base of every resource's viewset: the conventions of dmt.api in one place.

- Records are named by their reference where they have one (`lookup_field = "reference"`),
  never by an internal id.
- Lists are cursor-paginated (dmt.api.pagination) and filtered through django-filter.
- Detail responses carry an ETag; actions that change an existing record (listed in
  `if_match_actions`) call `check_if_match` with the record as the client last saw it, then
  the service with the version read here (dmt.api.conditional).
- Errors are problem details (dmt.api.problems), requests are throttled per token
  (dmt.api.throttling), and nothing is cached (dmt.middleware).
"""

from collections.abc import Sequence
from typing import Any

from django.db import models
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from .conditional import ConditionalMixin, check_if_match

# A reference as DMT and the case-import bundle write them: letters, digits, - _ . / :
REFERENCE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}"


class ApiViewSet(ConditionalMixin, viewsets.GenericViewSet):
    lookup_field = "reference"
    lookup_value_regex = REFERENCE_PATTERN
    # The actions that change an existing record, so need If-Match (dmt.api.schema
    # documents the header and the 412/428 answers for these).
    if_match_actions: Sequence[str] = ()

    def check_if_match(self, request: Request, instance: models.Model) -> None:
        """Compare If-Match with the ETag of `instance` as this user would read it now."""
        check_if_match(request, self.representation(instance))

    def representation(self, instance: models.Model) -> Any:
        """What a GET of `instance` returns: the detail serializer's data."""
        return self.get_serializer(instance).data

    def detail_response(self, instance: models.Model, status: int = 200) -> Response:
        return Response(self.representation(instance), status=status)
