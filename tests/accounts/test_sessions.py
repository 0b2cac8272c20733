"""How long a session lasts, and what ends it: an idle or absolute time limit, or a change
to the account that decides what its holder may see."""

import datetime
import html
import json

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Draft, Role, SpecialistPathway
from accounts.services import staff_save
from accounts.session_limits import LAST_USED_AT_SESSION_KEY, SIGNED_IN_AT_SESSION_KEY

from ..factories import PASSWORD, FamilyFactory

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def backdate(client, **ago: datetime.timedelta) -> None:
    """Move the session's clocks back, as if that long had passed (no waiting in tests)."""
    session = client.session
    now = timezone.now().timestamp()
    for key, delta in ago.items():
        session[key] = now - delta.total_seconds()
    session.save()


def is_signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


MINUTES = datetime.timedelta(minutes=1)


# Time limits ---------------------------------------------------------------------------------


def test_the_limits_default_to_30_minutes_idle_and_10_hours_in_all(settings):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_ABSOLUTE_TIMEOUT == 10 * 60 * 60


def test_a_session_unused_for_longer_than_the_idle_limit_ends_and_sign_in_says_why(
    client_for, alice
):
    client = client_for(alice)
    backdate(client, **{LAST_USED_AT_SESSION_KEY: 31 * MINUTES})

    response = client.get(reverse("home"), follow=True)

    assert response.request["PATH_INFO"] == reverse("accounts:login")
    assert "You were signed out because DMT was not used for 30 minutes." in page_text(response)
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGOUT)
    assert (event.actor, event.detail) == (alice, {"reason": "idle"})


def test_a_session_used_within_the_idle_limit_carries_on(client_for, alice):
    client = client_for(alice)
    backdate(client, **{LAST_USED_AT_SESSION_KEY: 29 * MINUTES})

    assert is_signed_in(client)
    assert client.session[LAST_USED_AT_SESSION_KEY] > timezone.now().timestamp() - 60


def test_the_contact_forms_autosave_counts_as_use(client_for, alice):
    family = FamilyFactory(team=alice.team, social_worker=alice)
    client = client_for(alice)
    backdate(client, **{LAST_USED_AT_SESSION_KEY: 25 * MINUTES})

    saved = client.post(
        reverse("accounts:draft_save"),
        json.dumps({"key": f"contact:family:{family.pk}", "data": {"note": ["Half a note"]}}),
        content_type="application/json",
    )
    backdate(client, **{LAST_USED_AT_SESSION_KEY: 0 * MINUTES})  # the save just now

    assert saved.status_code == 200
    assert is_signed_in(client)


def test_an_autosave_after_the_idle_limit_is_sent_to_sign_in(client_for, alice):
    family = FamilyFactory(team=alice.team, social_worker=alice)
    client = client_for(alice)
    backdate(client, **{LAST_USED_AT_SESSION_KEY: 31 * MINUTES})

    saved = client.post(
        reverse("accounts:draft_save"),
        json.dumps({"key": f"contact:family:{family.pk}", "data": {"note": ["Half a note"]}}),
        content_type="application/json",
    )

    # The page's script reads the redirect as "signed out" and keeps the text on the device.
    assert saved.status_code == 302
    assert saved["Location"].startswith(reverse("accounts:login"))
    assert not Draft.objects.exists()


def test_a_busy_session_still_ends_at_the_absolute_limit(client_for, alice):
    client = client_for(alice)
    backdate(
        client,
        **{
            SIGNED_IN_AT_SESSION_KEY: 10 * 60 * MINUTES + MINUTES,
            LAST_USED_AT_SESSION_KEY: MINUTES,
        },
    )

    response = client.get(reverse("home"), follow=True)

    assert "You were signed out because you signed in more than 10 hours ago." in page_text(
        response
    )
    assert AuditEvent.objects.get(action="logout").detail == {"reason": "absolute"}


def test_the_limits_are_settings(client_for, alice, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    client = client_for(alice)
    backdate(client, **{LAST_USED_AT_SESSION_KEY: 6 * MINUTES})

    response = client.get(reverse("home"), follow=True)

    assert "not used for 5 minutes" in page_text(response)


def test_signing_in_starts_both_clocks(client, alice):
    client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})

    now = timezone.now().timestamp()
    assert now - 60 < client.session[SIGNED_IN_AT_SESSION_KEY] <= now
    assert now - 60 < client.session[LAST_USED_AT_SESSION_KEY] <= now


# Changes to the account ----------------------------------------------------------------------


@pytest.mark.parametrize("field", ["role", "team", "locality", "is_active"])
def test_a_change_to_what_the_user_may_see_ends_their_sessions_but_not_a_colleagues(
    client_for, alice, bob, other_team, field
):
    alices, bobs = client_for(alice), client_for(bob)
    assert is_signed_in(alices)
    new_value = {
        "role": Role.TEAM_MANAGER,
        "team": other_team,
        "locality": other_team.locality,
        "is_active": False,  # switched off
    }[field]

    setattr(alice, field, new_value)
    alice.save(update_fields=[field])

    assert alices.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))
    assert not is_signed_in(alices)
    assert is_signed_in(bobs)


def test_a_change_of_pathway_or_pathway_manager_flag_ends_a_specialists_sessions(
    client_for, make_user
):
    dan = make_user(Role.SPECIALIST, username="dan", pathway=SpecialistPathway.DMT)
    first, second = client_for(dan), client_for(dan)

    dan.pathway = SpecialistPathway.MENTAL_HEALTH
    dan.save(update_fields=["pathway"])
    assert not is_signed_in(first)

    second = client_for(dan)
    dan.leads_pathway = True
    dan.save(update_fields=["leads_pathway"])
    assert not is_signed_in(second)


def test_a_role_change_through_the_staff_service_ends_the_session(client_for, alice):
    client = client_for(alice)

    staff_save(
        username="alice",
        first_name="Alice",
        last_name="Worker",
        role=Role.BUSINESS_SUPPORT,
        password=PASSWORD,
        team=alice.team,
        acting_user=None,
    )

    assert not is_signed_in(client)


def test_an_edit_that_changes_nothing_the_user_may_see_keeps_the_session(client_for, alice):
    client = client_for(alice)

    alice.first_name = "Alicia"
    alice.mi_trained_on = datetime.date(2024, 1, 1)
    alice.save()

    assert is_signed_in(client)


def test_a_switched_off_account_cannot_sign_in_and_is_told_only_that_the_details_are_wrong(
    client, alice
):
    alice.is_active = False
    alice.save()

    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 200
    assert "Enter a correct username and password" in page_text(response)
    assert SESSION_KEY not in client.session
