"""Staff set their own working days and leave (which the slot finder reads); the chair
changes the group's members."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from supervision.models import Leave, WorkingDay
from supervision.slots import find_slots

pytestmark = pytest.mark.django_db

URL = reverse("supervision:availability")


def week(**days):
    """POST data for a week: days given as {"0": ("09:00", "13:00")} are worked."""
    data = {"action": "week"}
    for day, (start, end) in days.items():
        data.update({f"works_{day}": "on", f"start_{day}": start, f"end_{day}": end})
    return data


def test_a_new_member_of_staff_is_told_the_default_week(client_for, alice):
    page = client_for(alice).get(URL).content.decode()

    assert "you are taken to work Monday to Friday, 9:00 to 17:00" in page
    assert not WorkingDay.objects.exists()


def test_a_worker_sets_a_part_time_week_and_the_slot_finder_uses_it(
    client_for, alice, group, monday
):
    response = client_for(alice).post(URL, week(**{"1": ("09:00", "13:00")}))

    assert response.status_code == 302
    assert list(
        WorkingDay.objects.filter(user=alice).values_list("weekday", "starts_at", "ends_at")
    ) == [(1, datetime.time(9), datetime.time(13))]
    assert AuditEvent.objects.filter(actor=alice, object_id=str(alice.pk), action="update").exists()
    slots = find_slots(group, [alice], start=monday, weeks=1, length_minutes=120)
    assert slots and all(slot.starts_at.weekday() == 1 for slot in slots)
    assert all(slot.starts_at.hour < 12 for slot in slots)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "week"}, "Choose at least one working day"),
        (week(**{"2": ("13:00", "09:00")}), "the day must end after it starts"),
        (
            {"action": "week", "works_3": "on", "end_3": "17:00"},
            "Enter when you start on Thursdays",
        ),
        (week(**{"4": ("9am", "17:00")}), "Enter a time, for example 09:00"),
    ],
)
def test_a_bad_week_is_explained_and_keeps_the_old_one(client_for, alice, data, message):
    WorkingDay.objects.create(user=alice, weekday=0)

    page = client_for(alice).post(URL, data).content.decode()

    assert "There is a problem" in page
    assert message in page
    assert list(WorkingDay.objects.values_list("user", "weekday")) == [(alice.pk, 0)]


def test_leave_is_added_listed_and_removed_by_its_owner_only(client_for, alice, bob, today):
    client = client_for(alice)
    start, end = today + datetime.timedelta(days=3), today + datetime.timedelta(days=5)

    client.post(
        URL, {"action": "leave", "starts_on": start, "ends_on": end, "note": "Annual leave"}
    )
    leave = Leave.objects.get(user=alice)
    assert (leave.starts_on, leave.ends_on, leave.note) == (start, end, "Annual leave")
    assert "Annual leave" in client.get(URL).content.decode()

    assert client_for(bob).post(URL, {"action": "remove", "leave": leave.pk}).status_code == 404
    assert Leave.objects.exists()
    client.post(URL, {"action": "remove", "leave": leave.pk})
    assert not Leave.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="supervision.leave").exists()


def test_leave_ending_before_it_starts_is_refused(client_for, alice, today):
    page = (
        client_for(alice)
        .post(
            URL, {"action": "leave", "starts_on": today, "ends_on": today - datetime.timedelta(1)}
        )
        .content.decode()
    )

    assert "The last day cannot be before the first" in page
    assert not Leave.objects.exists()


def test_auditors_have_no_working_week_here(client_for, make_user):
    assert client_for(make_user(Role.AUDITOR)).get(URL).status_code == 403


def test_the_chair_changes_the_members_and_nobody_else_can(client_for, group, manager, alice, bob):
    url = reverse("supervision:members", args=[group.pk])
    assert client_for(alice).post(url, {"members": [alice.pk]}).status_code == 403
    assert bob in group.members.all()

    response = client_for(manager).post(url, {"members": [alice.pk]})

    assert response.status_code == 302
    assert list(group.members.all()) == [alice]
    assert AuditEvent.objects.filter(
        object_type="supervision.supervisiongroup", action="update"
    ).exists()


def test_someone_from_another_team_cannot_be_made_a_member(client_for, group, manager, charlie):
    url = reverse("supervision:members", args=[group.pk])
    before = set(group.members.all())

    page = client_for(manager).post(url, {"members": [charlie.pk]}).content.decode()

    assert "There is a problem" in page
    assert set(group.members.all()) == before
