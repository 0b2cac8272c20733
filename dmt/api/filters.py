"""django-filter for the API, refusing a filter given blank.

django-filter reads `?status=` as no filter at all, so a client whose filter value went
missing (an empty variable in a template) silently gets every record instead of an error.
The API refuses it (400, pointing at the parameter), as it refuses a page size or cursor it
cannot read: a client's mistake shows.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions


class ApiFilterBackend(DjangoFilterBackend):
    def filter_queryset(
        self, request: HttpRequest, queryset: QuerySet[Any], view: Any
    ) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            blank = sorted(
                name
                for name in filterset_class.base_filters
                if name in request.GET
                and all(not value.strip() for value in request.GET.getlist(name))
            )
            if blank:
                raise exceptions.ValidationError(
                    {name: ["Give a value, or leave this filter out."] for name in blank}
                )
        return super().filter_queryset(request, queryset, view)
