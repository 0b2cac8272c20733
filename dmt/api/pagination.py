"""Cursor pagination for every API list: stable while records are added (a partner's nightly
sync neither skips nor repeats a row), and cheap at any depth (a keyset, never an OFFSET).

A list is ordered by one unique, unchanging column (`ordering` on the view, `pk` unless it
says otherwise); `next` and `previous` are links to follow, their cursors opaque.
"""

from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

MAX_PAGE_SIZE = 200


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = (
        f"How many to return on a page: 1 to {MAX_PAGE_SIZE}, 50 unless given."
    )
    max_page_size = MAX_PAGE_SIZE
    ordering = "pk"
    cursor_query_description = (
        "Where the page starts: take it from a response's next or previous link."
    )

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        """The view's `ordering` (DRF reads it only through an ordering filter)."""
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def decode_cursor(self, request: Request) -> Cursor | None:
        """A cursor that isn't one of ours is the client's mistake (400), not a missing
        page (DRF answers 404)."""
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["This is not a cursor from a next or previous link."]}
            ) from None

    def get_page_size(self, request: Request) -> int:
        """A page size that is not a whole number from 1 to the maximum is refused, rather
        than silently replaced (DRF's default) so a client's mistake shows."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE_SIZE):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Enter a whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return int(raw)
