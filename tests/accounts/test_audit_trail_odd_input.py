"""The audit trail's filters with dates at the ends of the calendar: a form error, never a
server error (the "to" filter adds a day, which overflows at 9999-12-31)."""

import pytest
from django.urls import reverse

from accounts.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR, username="auditor")


@pytest.mark.parametrize(
    "filters",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_a_date_at_the_end_of_the_calendar_is_explained_and_filters_nothing(
    client_for, auditor, filters
):
    response = client_for(auditor).get(reverse("accounts:audit_events"), filters)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter a date between 1 January 1900 and 31 December 2200" in page
    # Unfiltered: the auditor's sign-in and the reading of the trail itself.
    assert response.context["page"].paginator.count == 2


@pytest.mark.parametrize("odd", ["٢٠٢٤-٠١-٠١", "2024-01-01\x00", "10000-01-01"])
def test_a_date_that_is_not_one_is_explained(client_for, auditor, odd):
    response = client_for(auditor).get(reverse("accounts:audit_events"), {"date_to": odd})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
