"""Behaviour pinned after review of the case-recording pages."""

import pytest
from django.urls import reverse

from accounts.models import Draft
from families.models import Allocation, Membership

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/phish"])
def test_discarding_a_draft_never_redirects_off_site(client_as, alice, alices_family, target):
    Draft.objects.create(user=alice, key=f"contact:family:{alices_family.pk}", data={})

    response = client_as("alice").post(
        reverse("accounts:draft_discard"),
        {"key": f"contact:family:{alices_family.pk}", "next": target},
    )

    assert response.url == reverse("home")
    assert not Draft.objects.exists()


def test_discarding_a_draft_returns_to_the_form_it_came_from(client_as, alices_family):
    form_url = reverse("families:contact_create", args=[alices_family.pk])

    response = client_as("alice").post(
        reverse("accounts:draft_discard"), {"key": "contact:family:1", "next": form_url}
    )

    assert response.url == form_url


def test_allocating_to_a_worker_that_is_not_a_number_explains_and_changes_nothing(
    client_as, alices_family
):
    response = client_as("team_manager").post(
        reverse("families:allocate", args=[alices_family.pk]),
        {"social_worker": "abc"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Choose a social worker" in response.content.decode()
    assert not Allocation.objects.exists()


def test_a_closed_case_takes_no_more_recording_by_url(client_as, alice, alices_family):
    from django.utils import timezone

    from families.models import Contact, StatusEpisode
    from families.services import family_close

    from ..factories import PersonFactory

    amy = PersonFactory(family=alices_family, role=Membership.Role.CHILD, given_name="Amy")
    family_close(
        family=alices_family,
        closed_on=timezone.localdate(),
        closure_reason="Done",
        acting_user=alice,
    )
    client = client_as("alice")

    assert (
        client.get(reverse("families:contact_create", args=[alices_family.pk])).status_code == 403
    )
    response = client.post(
        reverse("families:child_status", args=[alices_family.pk, amy.pk]),
        {"status": "cp", "start_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 403
    assert (
        client.post(
            reverse("families:chronology", args=[alices_family.pk]),
            {"occurred_on": timezone.localdate().isoformat(), "summary": "Late entry"},
        ).status_code
        == 403
    )
    assert not StatusEpisode.objects.exists()
    assert not Contact.objects.exists()
    page = client.get(reverse("families:detail", args=[alices_family.pk])).content.decode()
    assert "Record a contact" not in page


@pytest.mark.parametrize(
    "body",
    [{"note": 5}, {"note": [5]}, {"note": "text"}, ["note"], {"note": [["nested"]]}],
)
def test_a_draft_of_the_wrong_shape_is_refused(client_as, alices_family, body):
    import json

    response = client_as("alice").post(
        reverse("accounts:draft_save"),
        json.dumps({"key": f"contact:family:{alices_family.pk}", "data": body}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert not Draft.objects.exists()


@pytest.mark.parametrize("key", ["x:family:{pk}", "contact:family:²", "contact:family:-1"])
def test_a_draft_key_for_no_known_form_is_refused(client_as, alices_family, key):
    import json

    response = client_as("alice").post(
        reverse("accounts:draft_save"),
        json.dumps({"key": key.format(pk=alices_family.pk), "data": {"note": ["x"]}}),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_a_unicode_digit_as_a_worker_id_changes_nothing(client_as, alices_family):
    response = client_as("team_manager").post(
        reverse("families:allocate", args=[alices_family.pk]), {"social_worker": "²"}
    )

    assert response.status_code == 302
    assert not Allocation.objects.exists()


def test_more_children_than_the_form_allows_are_refused(client_as):
    from families.models import Family

    data = {
        "reference": "MANY-1",
        "opened_on": "2024-03-01",
        "cohort": "",
        "child-TOTAL_FORMS": 30,
        "child-INITIAL_FORMS": 0,
        "adult-TOTAL_FORMS": 0,
        "adult-INITIAL_FORMS": 0,
    }
    for number in range(30):
        data[f"child-{number}-given_name"] = f"Child{number}"
        data[f"child-{number}-sex"] = "unknown"

    response = client_as("alice").post(reverse("families:create"), data)

    assert response.status_code == 200
    assert "Children: Please submit at most 12 forms" in response.content.decode()
    assert not Family.objects.filter(reference="MANY-1").exists()


@pytest.mark.parametrize(
    "page", ["families:caseload", "families:caseload_export", "families:search"]
)
@pytest.mark.parametrize("who", ["partner_specialist", "administrator"])
def test_roles_without_case_files_are_refused_the_case_lists(
    client_as, client_for, make_user, page, who
):
    from accounts.models import Role

    client = client_for(make_user(Role.ADMIN)) if who == "administrator" else client_as(who)

    assert client.get(reverse(page), {"q": "Amy"}).status_code == 403
