"""Group supervision in the API: meetings with their agendas and minutes, and the actions
agreed there, read as the pages show them, and an action marked done with If-Match.

The cast is the group supervision tests' (tests/supervision/conftest.py): Tess chairs alice's
team's group, Bea minutes it, Sue is a specialist member who works with none of the families,
charlie is another team's social worker.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from dmt.api.problems import PROBLEM_CONTENT_TYPE
from supervision.models import Discussion, Meeting, SupervisionAction
from supervision.services import ActionInput, action_complete, discussion_record

from ..conftest import signed_in
from ..supervision import conftest as supervision

# The group supervision tests' cast (see the module docstring).
today = supervision.today
manager = supervision.manager
support = supervision.support
specialist = supervision.specialist
group = supervision.group
make_family = supervision.make_family
adult, past_meeting, put_on_agenda = (
    supervision.adult,
    supervision.past_meeting,
    supervision.put_on_agenda,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def minuted(group, make_family, alice, bob, support, today) -> Discussion:
    """Last week's meeting: alice's family minuted with two actions (alice's and bob's),
    bob's family on the agenda after it, not minuted."""
    first = make_family(alice, reference="SUP-1")
    adult(first, name="Maya")
    second = make_family(bob, reference="SUP-2")
    meeting = past_meeting(group, today - datetime.timedelta(days=7))
    put_on_agenda(meeting, first, second)
    return discussion_record(
        meeting=meeting,
        family=first,
        present=[support, alice],
        child_safety_rag="amber",
        analysis="Father engaging.",
        decisions="Carry on with the plan.",
        stages={},
        actions=[
            ActionInput("Book a joint visit", alice, today + datetime.timedelta(days=7)),
            ActionInput("Call the school", bob, today - datetime.timedelta(days=1)),
        ],
        acting_user=support,
    )


def _action(discussion: Discussion, owner) -> SupervisionAction:
    return discussion.actions.get(owner=owner)


# Meetings -----------------------------------------------------------------------------------


def test_a_member_reads_the_meeting_with_its_agenda_and_minutes(minuted, alice):
    meeting = minuted.meeting
    listed = signed_in(alice).get("/api/supervision/meetings/").json()["results"]
    assert [row["id"] for row in listed] == [str(meeting.pk)]
    assert listed[0]["families"] == 2 and listed[0]["group"]["team"] == "SASS West 1"

    response = signed_in(alice).get(f"/api/supervision/meetings/{meeting.pk}/")
    assert response.status_code == 200 and response["ETag"].startswith('"')
    agenda = response.json()["agenda"]
    assert [item["family"]["reference"] for item in agenda] == ["SUP-1", "SUP-2"]
    assert all(item["visible"] for item in agenda)
    assert agenda[0]["family"]["name"] and agenda[0]["family"]["social_worker"]["username"] == (
        "alice"
    )
    minutes = agenda[0]["minutes"]
    assert minutes["decisions"] == "Carry on with the plan."
    assert minutes["child_safety_rag"] == "amber"
    assert {person["username"] for person in minutes["present"]} == {"alice", "bea"}
    assert [a["description"] for a in minutes["actions"]] == [
        "Call the school",
        "Book a joint visit",
    ]
    assert agenda[1]["minutes"] is None


def test_a_specialist_sees_families_she_does_not_work_with_by_reference_only(minuted, specialist):
    body = signed_in(specialist).get(f"/api/supervision/meetings/{minuted.meeting.pk}/").json()
    for item in body["agenda"]:
        assert item["visible"] is False
        assert item["family"] == {
            "reference": item["family"]["reference"],
            "name": None,
            "social_worker": None,
        }
        assert item["minutes"] is None and item["reason"] is None
    assert "Carry on with the plan" not in str(body)


def test_an_outsider_neither_lists_nor_opens_the_meeting(minuted, charlie):
    client = signed_in(charlie)
    assert client.get("/api/supervision/meetings/").json()["results"] == []
    response = client.get(f"/api/supervision/meetings/{minuted.meeting.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE


def test_reading_a_meeting_is_audited_against_it_and_each_family_on_its_agenda(minuted, bob):
    meeting = minuted.meeting
    signed_in(bob).get(f"/api/supervision/meetings/{meeting.pk}/")
    audited = set(
        AuditEvent.objects.filter(actor=bob, action=AuditEvent.Action.VIEW).values_list(
            "object_type", "object_reference"
        )
    )
    assert ("families.family", "SUP-1") in audited and ("families.family", "SUP-2") in audited
    assert any(kind == "supervision.meeting" for kind, _ in audited)


def test_meetings_filter_by_signed_off_dates_and_group(minuted, group, alice, manager, today):
    client = signed_in(alice)
    later = past_meeting(group, today - datetime.timedelta(days=1))
    Meeting.objects.filter(pk=minuted.meeting.pk).update(signed_off_at=minuted.meeting.starts_at)

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/supervision/meetings/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("signed_off=true") == [str(minuted.meeting.pk)]
    assert ids("signed_off=false") == [str(later.pk)]
    assert ids(f"from={(today - datetime.timedelta(days=2)).isoformat()}") == [str(later.pk)]
    assert ids(f"to={(today - datetime.timedelta(days=2)).isoformat()}") == [
        str(minuted.meeting.pk)
    ]
    assert len(ids(f"group={group.pk}")) == 2
    assert ids(f"group={group.pk + 1000}") == []


@pytest.mark.parametrize(
    ("query", "pointer"),
    [("from=2026-02-30", "#/from"), ("signed_off=maybe", "#/signed_off"), ("group=٣", "#/group")],
)
def test_a_bad_meeting_filter_is_a_problem_with_a_pointer(minuted, alice, query, pointer):
    response = signed_in(alice).get(f"/api/supervision/meetings/?{query}")
    assert response.status_code == 400
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]


# Actions ------------------------------------------------------------------------------------


def test_the_owner_and_the_groups_members_read_the_actions_an_outsider_none(
    minuted, alice, bob, charlie, specialist
):
    mine = signed_in(alice).get("/api/supervision/actions/?owner=alice").json()["results"]
    assert [(row["description"], row["owner"]["username"]) for row in mine] == [
        ("Book a joint visit", "alice")
    ]
    assert mine[0]["family"]["reference"] == "SUP-1" and mine[0]["done_on"] is None
    everyone = signed_in(bob).get("/api/supervision/actions/").json()["results"]
    assert {row["description"] for row in everyone} == {"Book a joint visit", "Call the school"}
    overdue = signed_in(bob).get("/api/supervision/actions/?status=overdue").json()["results"]
    assert [row["description"] for row in overdue] == ["Call the school"]
    assert overdue[0]["overdue"] is True
    assert signed_in(charlie).get("/api/supervision/actions/").json()["results"] == []
    assert signed_in(specialist).get("/api/supervision/actions/").json()["results"] == []
    action = _action(minuted, alice)
    assert signed_in(charlie).get(f"/api/supervision/actions/{action.pk}/").status_code == 404


def test_actions_filter_by_family_and_due_dates(minuted, alice, today):
    client = signed_in(alice)

    def descriptions(query: str) -> list[str]:
        response = client.get(f"/api/supervision/actions/?{query}")
        assert response.status_code == 200
        return [row["description"] for row in response.json()["results"]]

    assert len(descriptions("family=SUP-1")) == 2
    assert descriptions("family=SUP-2") == []
    assert descriptions(f"due_from={today.isoformat()}") == ["Book a joint visit"]
    assert descriptions(f"due_to={today.isoformat()}") == ["Call the school"]
    assert descriptions("status=done") == []
    response = client.get("/api/supervision/actions/?due_to=31-12-2026")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/due_to"


def test_the_owner_marks_her_action_done_with_if_match(minuted, alice, today):
    action = _action(minuted, alice)
    client = signed_in(alice)
    url = f"/api/supervision/actions/{action.pk}/"
    read = client.get(url)
    etag = read["ETag"]

    missing = client.post(url + "done/", {}, content_type="application/json")
    assert missing.status_code == 428
    stale = client.post(
        url + "done/", {}, content_type="application/json", headers={"If-Match": '"old"'}
    )
    assert stale.status_code == 412
    action.refresh_from_db()
    assert action.done_on is None and action.version == 1

    done = client.post(
        url + "done/", {}, content_type="application/json", headers={"If-Match": etag}
    )
    assert done.status_code == 200
    assert done.json()["done_on"] == today.isoformat()
    assert done["ETag"] != etag and done["ETag"] == client.get(url)["ETag"]
    action.refresh_from_db()
    assert action.done_on == today and action.version == 2
    assert AuditEvent.objects.filter(
        actor=alice,
        action=AuditEvent.Action.UPDATE,
        object_type="supervision.supervisionaction",
        object_id=str(action.pk),
    ).exists()


def test_a_change_made_since_the_read_is_refused_412(minuted, alice, manager, today):
    action = _action(minuted, alice)
    client = signed_in(alice)
    url = f"/api/supervision/actions/{action.pk}/"
    etag = client.get(url)["ETag"]
    # The chair marks it done in between (yesterday, say).
    action_complete(
        action=action,
        done_on=today - datetime.timedelta(days=1),
        expected_version=1,
        acting_user=manager,
    )
    response = client.post(
        url + "done/", {}, content_type="application/json", headers={"If-Match": etag}
    )
    assert response.status_code == 412
    assert response.json()["type"] == "/api/#problem-edit-conflict"
    action.refresh_from_db()
    assert action.done_on == today - datetime.timedelta(days=1) and action.version == 2


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"done_on": "2026-02-30"}, "#/done_on"),
        ({"done_on": "3000-01-01"}, "#/done_on"),
        ({"done_on": "tomorrow"}, "#/done_on"),
    ],
)
def test_a_bad_done_on_is_refused_with_a_pointer_and_nothing_changes(
    minuted, alice, body, pointer, today
):
    if body["done_on"] == "3000-01-01":  # in range for the parser, but in the future
        body = {"done_on": (today + datetime.timedelta(days=1)).isoformat()}
    action = _action(minuted, alice)
    client = signed_in(alice)
    url = f"/api/supervision/actions/{action.pk}/"
    etag = client.get(url)["ETag"]
    response = client.post(
        url + "done/", body, content_type="application/json", headers={"If-Match": etag}
    )
    assert response.status_code == 400
    assert [error["pointer"] for error in response.json()["errors"]] == [pointer]
    action.refresh_from_db()
    assert action.done_on is None and action.version == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, actor=alice).exists()


def test_a_colleague_who_reads_the_action_may_not_mark_it_done(minuted, alice, bob, charlie):
    action = _action(minuted, alice)
    url = f"/api/supervision/actions/{action.pk}/"
    colleague = signed_in(bob)
    etag = colleague.get(url)["ETag"]
    refused = colleague.post(
        url + "done/", {}, content_type="application/json", headers={"If-Match": etag}
    )
    assert refused.status_code == 403
    assert "owner or the group's chair" in refused.json()["detail"]
    outsider = signed_in(charlie).post(
        url + "done/", {}, content_type="application/json", headers={"If-Match": etag}
    )
    assert outsider.status_code == 404
    action.refresh_from_db()
    assert action.done_on is None


def test_the_chair_marks_a_members_action_done(minuted, bob, manager, today):
    action = _action(minuted, bob)
    client = signed_in(manager)
    url = f"/api/supervision/actions/{action.pk}/"
    etag = client.get(url)["ETag"]
    response = client.post(
        url + "done/", {}, content_type="application/json", headers={"If-Match": etag}
    )
    assert response.status_code == 200 and response.json()["owner"]["username"] == "bob"
    assert response.json()["overdue"] is False


# Query counts -------------------------------------------------------------------------------


def _history(group, make_family, alice, support, today, count: int) -> None:
    for number in range(count):
        family = make_family(alice, reference=f"QC-{count}-{number}")
        meeting = past_meeting(group, today - datetime.timedelta(days=7 + number))
        put_on_agenda(meeting, family)
        discussion_record(
            meeting=meeting,
            family=family,
            present=[support],
            child_safety_rag="green",
            analysis="",
            decisions="Close soon.",
            stages={},
            actions=[ActionInput(f"Action {number}", alice, today)],
            acting_user=support,
        )


@pytest.mark.parametrize("url", ["/api/supervision/meetings/", "/api/supervision/actions/"])
def test_a_list_reads_as_often_for_2_rows_as_for_20(url, group, make_family, alice, support, today):
    client = signed_in(alice)
    counts = []
    for size in (2, 20):
        SupervisionAction.objects.all().delete()
        Discussion.objects.all().delete()
        Meeting.objects.all().delete()
        _history(group, make_family, alice, support, today, size)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url + "?page_size=50")
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
