"""Behaviour pinned after review of the case-recording pages."""

import pytest
from django.urls import reverse

from families.models import Allocation, Draft

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/phish"])
def test_discarding_a_draft_never_redirects_off_site(client_as, alice, alices_family, target):
    Draft.objects.create(user=alice, key=f"contact:family:{alices_family.pk}", data={})

    response = client_as("alice").post(
        reverse("families:draft_discard"),
        {"key": f"contact:family:{alices_family.pk}", "next": target},
    )

    assert response.url == reverse("home")
    assert not Draft.objects.exists()


def test_discarding_a_draft_returns_to_the_form_it_came_from(client_as, alices_family):
    form_url = reverse("families:contact_create", args=[alices_family.pk])

    response = client_as("alice").post(
        reverse("families:draft_discard"), {"key": "contact:family:1", "next": form_url}
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
