"""Odd input to the group supervision pages: a version or agenda position written in other
digits ("²", Arabic-Indic "٣"), a leave id that is not one, an impossible time. Each is
refused with a message and changes nothing; none is a server error.

The cast is tests/supervision/conftest.py's: Tess chairs alice's team's group.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision.models import Leave, Meeting
from supervision.services import agenda_set, leave_add, meeting_schedule
from supervision.views import CONFLICT

from .conftest import at

pytestmark = pytest.mark.django_db

SUPERSCRIPT = str.maketrans(
    "0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)
ARABIC_INDIC = str.maketrans(
    "0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
)


def superscript(number: int) -> str:
    """str.isdigit() calls these digits; int() refuses them."""
    return str(number).translate(SUPERSCRIPT)


def arabic_indic(number: int) -> str:
    """int() reads these as the number itself."""
    return str(number).translate(ARABIC_INDIC)


# The current version as a browser could be made to send it.
OTHER_DIGITS = [superscript, arabic_indic]


def messages_on(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def alpha(alice, make_family):
    return make_family(alice, reference="ALPHA")


@pytest.fixture
def bravo(bob, make_family):
    return make_family(bob, reference="BRAVO")


@pytest.fixture
def next_meeting(group, manager, monday, alpha, bravo) -> Meeting:
    meeting = meeting_schedule(
        group=group, starts_at=at(monday + datetime.timedelta(days=1), 10), acting_user=manager
    )
    return agenda_set(
        meeting=meeting,
        families=[(alpha, "Not discussed yet")],
        expected_version=meeting.version,
        acting_user=manager,
    )


def state(meeting: Meeting) -> tuple:
    meeting.refresh_from_db()
    agenda = list(meeting.agenda.order_by("position").values_list("family__reference", flat=True))
    return meeting.version, meeting.status, meeting.starts_at, meeting.signed_off_at, agenda


# Versions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["\u00b2", "\u0663", "1e3", "-1", str(2**63), "", "\x00"])
def test_an_agenda_posted_with_an_odd_version_changes_nothing(
    client_for, manager, next_meeting, alpha, bravo, version
):
    before = state(next_meeting)

    response = client_for(manager).post(
        reverse("supervision:agenda", args=[next_meeting.pk]),
        {"family": [bravo.pk], f"position_{bravo.pk}": "1", "version": version},
    )

    assert response.status_code == 200
    assert CONFLICT in response.content.decode().replace("&#x27;", "'")
    assert state(next_meeting) == before


@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_the_current_version_in_other_digits_is_not_the_current_version(
    client_for, manager, next_meeting, bravo, digits
):
    before = state(next_meeting)

    response = client_for(manager).post(
        reverse("supervision:agenda", args=[next_meeting.pk]),
        {
            "family": [bravo.pk],
            f"position_{bravo.pk}": "1",
            "version": digits(next_meeting.version),
        },
    )

    assert CONFLICT in response.content.decode().replace("&#x27;", "'")
    assert state(next_meeting) == before


@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_a_sign_off_at_the_current_version_in_other_digits_changes_nothing(
    client_for, manager, group, alpha, digits
):
    begun = Meeting.objects.create(
        group=group,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        length_minutes=group.length_minutes,
    )
    before = state(begun)

    response = client_for(manager).post(
        reverse("supervision:sign_off", args=[begun.pk]),
        {"version": digits(begun.version)},
        follow=True,
    )

    assert response.status_code == 200
    assert CONFLICT in messages_on(response)
    assert state(begun) == before


@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_a_cancellation_at_the_current_version_in_other_digits_is_refused(
    client_for, manager, next_meeting, digits
):
    before = state(next_meeting)

    response = client_for(manager).post(
        reverse("supervision:cancel", args=[next_meeting.pk]),
        {"reason": "Chair off sick", "version": digits(next_meeting.version)},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "This form could not be read. Open the page again and make your change" in page
    assert state(next_meeting) == before


# Agenda positions --------------------------------------------------------------------------


@pytest.mark.parametrize("position", ["\u00b2", "\u0663", "1e3", "-1", "0", str(2**63), "abc"])
def test_an_odd_agenda_position_is_explained_and_changes_nothing(
    client_for, manager, next_meeting, alpha, bravo, position
):
    before = state(next_meeting)

    response = client_for(manager).post(
        reverse("supervision:agenda", args=[next_meeting.pk]),
        {
            "family": [alpha.pk, bravo.pk],
            f"position_{alpha.pk}": "1",
            f"position_{bravo.pk}": position,
            "version": next_meeting.version,
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter the order of BRAVO as a whole number from 1 to 999" in page
    assert state(next_meeting) == before


def test_an_odd_position_on_a_row_left_unticked_is_explained_too(
    client_for, manager, next_meeting, alpha, bravo
):
    before = state(next_meeting)

    response = client_for(manager).post(
        reverse("supervision:agenda", args=[next_meeting.pk]),
        {
            "family": [alpha.pk],
            f"position_{alpha.pk}": "1",
            f"position_{bravo.pk}": "\u0663",
            "version": next_meeting.version,
        },
    )

    assert "Enter the order of BRAVO as a whole number from 1 to 999" in response.content.decode()
    assert state(next_meeting) == before


@pytest.mark.parametrize("family", ["\u0663", "999999", "-1", "abc"])
def test_a_family_that_is_not_a_candidate_saves_nothing(
    client_for, manager, next_meeting, alpha, family
):
    before = state(next_meeting)

    response = client_for(manager).post(
        reverse("supervision:agenda", args=[next_meeting.pk]),
        {"family": [alpha.pk, family], "version": next_meeting.version},
    )

    assert response.status_code == 200
    assert "is no longer on this team" in response.content.decode()
    assert state(next_meeting) == before


def test_an_empty_position_puts_the_family_last(client_for, manager, next_meeting, alpha, bravo):
    response = client_for(manager).post(
        reverse("supervision:agenda", args=[next_meeting.pk]),
        {
            "family": [alpha.pk, bravo.pk],
            f"position_{alpha.pk}": "",
            f"position_{bravo.pk}": " 1 ",
            "version": next_meeting.version,
        },
    )

    assert response.status_code == 302
    assert state(next_meeting)[-1] == ["BRAVO", "ALPHA"]


# Moving a meeting to a chosen time ----------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at",
    ["2030-02-30T10:00:00+00:00", "9999-12-31T23:59:00+00:00", "0001-01-01T00:00", "\x00", ""],
)
def test_an_impossible_time_for_a_meeting_is_refused(client_for, manager, next_meeting, starts_at):
    before = state(next_meeting)

    response = client_for(manager).post(
        reverse("supervision:slots", args=[next_meeting.pk]),
        {"starts_at": starts_at, "version": next_meeting.version},
        follow=True,
    )

    assert response.status_code == 200
    assert "Choose a time." in messages_on(response)
    assert state(next_meeting) == before


# Leave ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("leave", ["abc", "\u0663", "\u00b2", "-1", str(2**63), "\x00", ""])
def test_removing_leave_that_is_not_an_id_finds_nothing_and_removes_nothing(
    client_for, alice, today, leave
):
    kept = leave_add(
        user=alice,
        starts_on=today + datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=4),
        note="",
        acting_user=alice,
    )

    response = client_for(alice).post(
        reverse("supervision:availability"), {"action": "remove", "leave": leave}
    )

    assert response.status_code == 404
    assert list(Leave.objects.all()) == [kept]
