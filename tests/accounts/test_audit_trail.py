import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Role

from ..factories import FamilyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_user):
    return make_user(Role.AUDITOR, username="auditor")


def test_audit_record_names_the_object_and_the_actor(alice):
    family = FamilyFactory(reference="FAM-A")

    event = audit_record(action=AuditEvent.Action.VIEW, actor=alice, obj=family)

    assert (event.username, event.object_type, event.object_id, event.object_reference) == (
        "alice",
        "families.family",
        str(family.pk),
        "FAM-A",
    )
    assert event.ip_address is None  # outside a request: no IP, no request id
    assert event.request_id == ""


def test_an_auditor_reads_the_trail_and_filters_it(client_for, auditor, alice, bob):
    family = FamilyFactory()
    audit_record(action=AuditEvent.Action.VIEW, actor=alice, obj=family)
    audit_record(action=AuditEvent.Action.UPDATE, actor=bob, obj=family)
    client = client_for(auditor)

    everything = client.get(reverse("accounts:audit_events"))
    views_by_alice = client.get(
        reverse("accounts:audit_events"), {"username": "alice", "action": "view"}
    )
    this_family = client.get(
        reverse("accounts:audit_events"),
        {"object_type": "families.family", "object_id": str(family.pk)},
    )

    # Two events, the sign-in, and the reading of the trail itself.
    assert everything.context["page"].paginator.count == 4
    assert [e.username for e in views_by_alice.context["page"]] == ["alice"]
    assert {e.username for e in this_family.context["page"]} == {"alice", "bob"}


def test_the_trail_filters_by_date(client_for, auditor, alice):
    # Written as it was 40 days ago: audit rows are never changed afterwards.
    old = AuditEvent.objects.create(
        action=AuditEvent.Action.VIEW,
        actor=alice,
        username="alice",
        at=timezone.now() - datetime.timedelta(days=40),
    )
    today = timezone.localdate()

    response = client_for(auditor).get(
        reverse("accounts:audit_events"),
        {
            "date_from": (today - datetime.timedelta(days=41)).isoformat(),
            "date_to": (today - datetime.timedelta(days=39)).isoformat(),
        },
    )

    assert [e.pk for e in response.context["page"]] == [old.pk]


def test_a_backwards_date_range_is_explained_and_filters_nothing(client_for, auditor):
    response = client_for(auditor).get(
        reverse("accounts:audit_events"), {"date_from": "2024-03-10", "date_to": "2024-03-01"}
    )

    page = response.content.decode()
    assert "There is a problem" in page
    assert "must be the same as or after" in page
    # Everything: the sign-in and the reading of the trail itself.
    assert response.context["page"].paginator.count == 2


def test_a_social_worker_cannot_read_the_trail(client_for, alice):
    assert client_for(alice).get(reverse("accounts:audit_events")).status_code == 403


def test_a_team_manager_cannot_read_the_trail(client_for, make_user, team):
    manager = make_user(Role.TEAM_MANAGER, team=team)

    assert client_for(manager).get(reverse("accounts:audit_events")).status_code == 403


def test_the_trail_is_read_only(client_for, auditor):
    assert client_for(auditor).post(reverse("accounts:audit_events")).status_code == 405


@pytest.mark.parametrize("events", [10, 300])
def test_the_trails_query_count_does_not_grow(
    client_for, auditor, alice, django_assert_max_num_queries, events
):
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=alice, username="alice", action="view") for _ in range(events)
    )
    client = client_for(auditor)

    # Session, user, the two-factor device the session was verified with, count, the view
    # row of reading the trail, page, and the session's sliding-expiry save (3 statements).
    with django_assert_max_num_queries(9):
        assert client.get(reverse("accounts:audit_events")).status_code == 200
