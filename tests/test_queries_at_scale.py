"""The pages a social worker opens all day cost the same at 10 families and at 1,000.

Each family shares its father and a child with its neighbour (tests/scale.py), so the pages
read people in several households. The ceilings are the ones the pages' own tests explain
query by query; here they must hold with a thousand families in the database, and each page
must still show what it shows at ten.
"""

import re

import pytest
from django.urls import reverse

from accounts.models import Role

from .queries import extra_audit_batches
from .scale import households


@pytest.fixture(params=[10, 1000], ids=["10-families", "1000-families"])
def council(request, alice, bob):
    return households(request.param, team=alice.team, workers=[alice, bob])


def test_the_caseload(client_for, alice, council, django_assert_max_num_queries):
    client = client_for(alice)
    alices = len(council[::2])

    with django_assert_max_num_queries(11 + extra_audit_batches(alices)):
        page = client.get(reverse("families:caseload")).content.decode()
    with django_assert_max_num_queries(11 + extra_audit_batches(len(council))):
        team_page = client.get(reverse("families:caseload") + "?show=team").content.decode()

    assert len(set(re.findall(r"SCALE-\d{5}", page))) == alices
    # The page lists up to 500 and says how to get the rest.
    assert len(set(re.findall(r"SCALE-\d{5}", team_page))) == min(len(council), 500)
    assert (f"download the CSV for all {len(council)}" in team_page) == (len(council) > 500)


def test_the_family_page(client_for, make_user, alice, council, django_assert_max_num_queries):
    number = len(council) // 4 * 2  # one of Alice's, in the middle
    family = council[number]
    assert family.social_worker == alice
    url = reverse("families:detail", args=[family.pk])
    alice_client = client_for(alice)
    manager_client = client_for(make_user(Role.TEAM_MANAGER, team=alice.team))

    with django_assert_max_num_queries(22):
        page = alice_client.get(url).content.decode()
    with django_assert_max_num_queries(24):
        assert manager_client.get(url).status_code == 200

    # Its own four people, and the father and elder child of the next household who live
    # here too.
    for name in (f"Mother{number}", f"Father{number}", f"Elder{number}", f"Younger{number}"):
        assert name in page
    assert f"Elder{number + 1}" in page and f"Father{number + 1}" in page


def test_the_home_pages(client_for, make_user, alice, council, django_assert_max_num_queries):
    alices = len(council[::2])
    alice_client = client_for(alice)
    manager_client = client_for(make_user(Role.TEAM_MANAGER, team=alice.team))
    council_client = client_for(make_user(Role.SERVICE_MANAGER))

    with django_assert_max_num_queries(10 + extra_audit_batches(alices)):
        page = alice_client.get(reverse("home")).content.decode()
    with django_assert_max_num_queries(13):
        team = manager_client.get(reverse("home"))
    with django_assert_max_num_queries(13):
        council_wide = council_client.get(reverse("home"))

    assert len(set(re.findall(r"SCALE-\d{5}", page))) == alices
    # Every child is on a child in need plan, each counted once though some live in two homes.
    children = [{"status": "Child in need", "children": 2 * len(council)}]
    assert team.context["children_by_status"] == children
    assert council_wide.context["children_by_status"] == children
    assert f'<dd class="govuk-summary-list__value">{len(council)}</dd>' in (
        council_wide.content.decode()
    )
