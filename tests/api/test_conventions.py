"""The API's conventions (dmt.api), each shown on a real endpoint or on the function that
every endpoint uses: problem details, cursor pagination, ETag/If-Match, the landing page and
the schema."""

import datetime

import django_filters
import pytest
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from rest_framework import exceptions
from rest_framework.request import Request

from accounts.models import Role, User
from dmt.api.conditional import check_if_match, etag_of
from dmt.api.filters import ApiFilterBackend
from dmt.api.problems import (
    PROBLEM_CONTENT_TYPE,
    PreconditionFailed,
    PreconditionRequired,
    exception_handler,
    field_errors,
)
from dmt.errors import EditConflict

from ..conftest import signed_in
from ..factories import UserFactory


def _request(**headers: str) -> Request:
    return Request(RequestFactory().post("/api/things/T-1/", headers=headers))


def test_a_services_validation_error_is_a_problem_with_a_pointer_per_field():
    error = ValidationError(
        {"occurred_on": ["The date cannot be in the future."], "__all__": ["Closed."]}
    )
    response = exception_handler(error, {"request": _request()})
    assert response is not None
    assert response.status_code == 400
    assert (
        response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
        or response.content_type == PROBLEM_CONTENT_TYPE
    )
    assert response.data["type"] == "/api/#problem-invalid-input"
    assert response.data["status"] == 400
    assert response.data["instance"] == "/api/things/T-1/"
    assert sorted(response.data["errors"], key=lambda e: e["pointer"]) == [
        {"detail": "Closed.", "pointer": "#"},
        {"detail": "The date cannot be in the future.", "pointer": "#/occurred_on"},
    ]


def test_nested_and_listed_field_errors_point_into_the_body():
    detail = {
        "scores": {"q1": ["Enter 0 to 3."]},
        "people": [{}, {"name": ["Required."]}],
        "a/b": ["x"],
    }
    assert list(field_errors(detail)) == [
        {"detail": "Enter 0 to 3.", "pointer": "#/scores/q1"},
        {"detail": "Required.", "pointer": "#/people/1/name"},
        {"detail": "x", "pointer": "#/a~1b"},
    ]


def test_an_edit_conflict_is_412_and_a_missing_if_match_428():
    conflict = exception_handler(EditConflict(UserFactory.build(), 3), {"request": _request()})
    assert conflict is not None and conflict.status_code == 412
    assert conflict.data["type"] == "/api/#problem-edit-conflict"
    missing = exception_handler(PreconditionRequired(), {"request": _request()})
    assert missing is not None and missing.status_code == 428


def test_a_throttled_request_says_when_to_come_back():
    response = exception_handler(exceptions.Throttled(wait=12.4), {"request": _request()})
    assert response is not None and response.status_code == 429
    assert response["Retry-After"] == "13"  # DRF rounds the wait up
    assert response.data["title"] == "Too many requests"


def test_if_match_must_name_the_current_representation():
    current = {"reference": "REF-1", "stage": "engaged", "on": datetime.date(2026, 3, 1)}
    tag = etag_of(current)
    assert tag.startswith('"') and tag == etag_of(dict(reversed(current.items())))
    with pytest.raises(PreconditionRequired):
        check_if_match(_request(), current)
    with pytest.raises(PreconditionRequired):
        check_if_match(_request(**{"If-Match": "*"}), current)
    with pytest.raises(PreconditionFailed):
        check_if_match(_request(**{"If-Match": etag_of({**current, "stage": "closed"})}), current)
    with pytest.raises(PreconditionFailed):  # a weak tag never matches
        check_if_match(_request(**{"If-Match": "W/" + tag}), current)
    check_if_match(_request(**{"If-Match": f'"other", {tag}'}), current)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ("cursor=not-a-cursor", "#/cursor"),
        ("page_size=0", "#/page_size"),
        ("page_size=201", "#/page_size"),
        ("page_size=٣", "#/page_size"),
    ],
)
def test_a_bad_cursor_or_page_size_is_the_clients_mistake(query, pointer):
    worker = UserFactory(role=Role.SOCIAL_WORKER)
    response = signed_in(worker).get(f"/api/referrals/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/referrals/%C2%84/", "/api/referrals/x/", "/api/nothing/"])
def test_a_url_no_api_route_takes_is_a_problem_not_the_sites_page(path):
    response = signed_in(UserFactory(role=Role.SOCIAL_WORKER)).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"] == "/api/#problem-not-found"
    assert response.json()["instance"] == path
    page = signed_in(UserFactory(role=Role.SOCIAL_WORKER)).get("/families/nothing/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


class _Filters(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        field_name="role", choices=[("social_worker", "Social worker")]
    )
    name = django_filters.CharFilter(field_name="username")

    class Meta:
        model = User
        fields: list[str] = []


class _FilteredView:
    filterset_class = _Filters


@pytest.mark.parametrize("query", ["status=", "status=&name=bob", "name=%20"])
def test_a_filter_given_blank_is_refused_not_read_as_no_filter(query):
    request = Request(RequestFactory().get(f"/api/things/?{query}"))
    with pytest.raises(exceptions.ValidationError) as refused:
        ApiFilterBackend().filter_queryset(request, User.objects.none(), _FilteredView())
    blank = query.split("=")[0]
    assert list(refused.value.detail) == [blank]
    given = Request(RequestFactory().get("/api/things/?status=social_worker"))
    filtered = ApiFilterBackend().filter_queryset(given, User.objects.all(), _FilteredView())
    assert 'WHERE "accounts_user"."role" = social_worker' in str(filtered.query)


@pytest.mark.django_db
def test_lists_are_cursor_paginated_without_counts():
    worker = UserFactory(role=Role.SOCIAL_WORKER)
    body = signed_in(worker).get("/api/referrals/?page_size=5").json()
    assert set(body) == {"next", "previous", "results"}
    assert body["results"] == [] and body["next"] is None


@pytest.mark.django_db
def test_an_anonymous_request_gets_a_problem_not_a_page():
    response = Client().get("/api/referrals/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["type"] == "/api/#problem-not-authenticated"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_landing_page_links_the_docs_and_explains_every_problem_type():
    page = Client().get("/api/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/api/docs/"' in html and 'href="/api/schema/"' in html
    for slug in [
        "invalid-input",
        "edit-conflict",
        "precondition-required",
        "not-found",
        "throttled",
    ]:
        assert f'id="problem-{slug}"' in html
    assert "Authorization: Bearer" in html


@pytest.mark.django_db
def test_the_schema_and_docs_are_served():
    schema = Client().get("/api/schema/?format=json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/referrals/" in spec["paths"]
    listing = spec["paths"]["/api/referrals/"]["get"]
    assert {"400", "403", "429"} <= set(listing["responses"])
    assert PROBLEM_CONTENT_TYPE in listing["responses"]["400"]["content"]
    # A read-only field that answers null when its source is missing says so.
    referral = spec["components"]["schemas"]["Referral"]["properties"]
    assert referral["practitioner"]["nullable"] is True
    assert referral["stage"]["nullable"] is True
    assert "nullable" not in referral["reference"]
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content


@pytest.mark.django_db
def test_each_user_is_throttled_on_their_own_with_retry_after(settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/minute", "auth": "3/minute"},
    }
    busy = signed_in(UserFactory(role=Role.SOCIAL_WORKER))
    answers = [busy.get("/api/referrals/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = busy.get("/api/referrals/")
    assert refused["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["type"] == "/api/#problem-throttled"
    # Someone else's requests are counted apart.
    assert signed_in(UserFactory(role=Role.SOCIAL_WORKER)).get("/api/referrals/").status_code == 200
    cache.clear()
