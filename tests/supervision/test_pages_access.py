"""Who may open which group supervision page, and what a specialist member is shown.

The cast is tests/supervision/conftest.py's: Tess chairs alice's team's group, Bea is its
business support, Sue a co-located substance-use practitioner working with ALPHA's mother
(not with anyone in BRAVO). Here Sam manages the service in the team's locality; Sid in
another locality; Owen is a specialist of another locality; Audrey audits and Adam
administers. Every refusal is checked against a positive control, so each test can fail.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, SpecialistPathway
from families.models import Membership
from supervision.models import (
    Addendum,
    AgendaItem,
    Discussion,
    FamilyDiscussionPlan,
    Meeting,
)
from supervision.pack import pack_store
from supervision.services import agenda_set, discussion_record, meeting_schedule

from ..factories import PersonFactory
from .conftest import adult, at, past_meeting, put_on_agenda

pytestmark = pytest.mark.django_db

NOT_SHOWN = "You do not work with this family's adults, so its details are not shown to you."


# The cast beyond conftest's ---------------------------------------------------------------


@pytest.fixture
def locality_manager(make_user, team):
    return make_user(
        Role.SERVICE_MANAGER,
        username="sam",
        first_name="Sam",
        last_name="Service",
        locality=team.locality,
    )


@pytest.fixture
def elsewhere_manager(make_user, other_team):
    return make_user(
        Role.SERVICE_MANAGER, username="sid", first_name="Sid", locality=other_team.locality
    )


@pytest.fixture
def elsewhere_specialist(make_user, other_team):
    return make_user(
        Role.SPECIALIST,
        username="owen",
        first_name="Owen",
        pathway=SpecialistPathway.SUBSTANCE_USE,
        locality=other_team.locality,
    )


@pytest.fixture
def auditor_user(make_user):
    return make_user(Role.AUDITOR, username="audrey", first_name="Audrey")


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.ADMIN, username="adam", first_name="Adam")


@pytest.fixture
def alpha_family(alice, make_family, refer, specialist, today):
    """alice's family; Sue works with its mother."""
    family = make_family(alice, reference="ALPHA")
    mother = adult(family, Membership.Role.MOTHER, "Maya")
    refer(
        mother,
        referred_on=today - datetime.timedelta(days=30),
        by=alice,
        practitioner=specialist,
    )
    return family


@pytest.fixture
def bravo_family(bob, make_family):
    """bob's family; no specialist works with its father."""
    family = make_family(bob, reference="BRAVO")
    adult(family, Membership.Role.FATHER, "Dev")
    return family


@pytest.fixture
def planned_meeting(group, manager, monday, alpha_family, bravo_family) -> Meeting:
    """Next planned meeting with ALPHA and BRAVO on its agenda."""
    meeting = meeting_schedule(
        group=group, starts_at=at(monday + datetime.timedelta(days=1), 10), acting_user=manager
    )
    return agenda_set(
        meeting=meeting,
        families=[(alpha_family, "Not discussed yet"), (bravo_family, "Not discussed yet")],
        expected_version=meeting.version,
        acting_user=manager,
    )


@pytest.fixture
def minuted_meeting(group, support, alice, bob, today, alpha_family, bravo_family) -> Meeting:
    """A meeting two days ago at which both families were minuted, each with an action."""
    meeting = past_meeting(group, today - datetime.timedelta(days=2))
    put_on_agenda(meeting, alpha_family, bravo_family)
    for family, owner, secret in [
        (alpha_family, alice, "Alpha: keep the mother's recovery plan"),
        (bravo_family, bob, "Bravo: ask the father about the court date"),
    ]:
        discussion_record(
            meeting=meeting,
            family=family,
            present=[support, owner],
            child_safety_rag="amber",
            analysis=f"{secret} (analysis)",
            decisions=secret,
            stages={},
            actions=[],
            acting_user=support,
        )
    meeting.refresh_from_db()
    return meeting


def user_named(request, name: str):
    return request.getfixturevalue(name)


# Seeing the group and its meetings -------------------------------------------------------

SEES_THE_GROUP = ["manager", "alice", "bob", "support", "specialist", "locality_manager"]
OTHER_TEAMS_STAFF = [
    "charlie",
    "other_manager",
    "other_support",
    "elsewhere_specialist",
    "elsewhere_manager",
]


@pytest.mark.parametrize("who", SEES_THE_GROUP)
def test_the_chair_members_business_support_and_locality_manager_see_the_group(
    request, client_for, who, group, planned_meeting, minuted_meeting
):
    client = client_for(user_named(request, who))

    group_page = client.get(reverse("supervision:group", args=[group.pk]))
    assert group_page.status_code == 200
    assert "SASS West 1 group supervision" in group_page.content.decode()
    for meeting in (planned_meeting, minuted_meeting):
        page = client.get(reverse("supervision:meeting", args=[meeting.pk]))
        assert page.status_code == 200
        assert "ALPHA" in page.content.decode()
    # The index takes each of them straight to their one group.
    index = client.get(reverse("supervision:index"))
    assert index.status_code == 302
    assert index["Location"] == reverse("supervision:group", args=[group.pk])


@pytest.mark.parametrize("who", OTHER_TEAMS_STAFF)
def test_another_teams_staff_get_not_found(
    request, client_for, who, group, planned_meeting, minuted_meeting, alpha_family
):
    client = client_for(user_named(request, who))
    discussion = minuted_meeting.discussions.get(family=alpha_family)
    urls = [
        reverse("supervision:group", args=[group.pk]),
        reverse("supervision:meeting", args=[planned_meeting.pk]),
        reverse("supervision:meeting", args=[minuted_meeting.pk]),
        reverse("supervision:agenda", args=[planned_meeting.pk]),
        reverse("supervision:slots", args=[planned_meeting.pk]),
        reverse("supervision:cancel", args=[planned_meeting.pk]),
        reverse("supervision:minutes", args=[minuted_meeting.pk, alpha_family.pk]),
        reverse("supervision:interval", args=[planned_meeting.pk, alpha_family.pk]),
        reverse("supervision:addendum", args=[discussion.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("supervision:schedule", args=[group.pk]),
            {"day": "2030-01-08", "time": "10:00"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("supervision:sign_off", args=[minuted_meeting.pk]),
            {"version": minuted_meeting.version},
        ).status_code
        == 404
    )
    assert Meeting.objects.count() == 2


@pytest.mark.parametrize("who", ["auditor_user", "admin_user"])
def test_auditors_and_admins_are_refused_group_supervision(
    request, client_for, who, group, planned_meeting
):
    client = client_for(user_named(request, who))

    assert client.get(reverse("supervision:index")).status_code == 403
    assert client.get(reverse("supervision:group", args=[group.pk])).status_code == 404
    assert client.get(reverse("supervision:meeting", args=[planned_meeting.pk])).status_code == 404


def test_the_locality_manager_sees_the_managers_tables_and_a_member_does_not(
    client_for, group, locality_manager, manager, alice
):
    for user, shown in [(manager, True), (locality_manager, True), (alice, False)]:
        page = client_for(user).get(reverse("supervision:group", args=[group.pk]))
        text = page.content.decode()
        assert ("Actions overdue, by owner" in text) is shown, user
        assert ("Families overdue for discussion" in text) is shown, user
        assert ("clinical hours lost" in text) is shown, user


# What only the chair may do --------------------------------------------------------------

NOT_THE_CHAIR = ["alice", "bob", "support", "specialist", "locality_manager"]


@pytest.mark.parametrize("who", NOT_THE_CHAIR)
def test_only_the_chair_schedules_builds_the_agenda_finds_slots_and_cancels(
    request, client_for, who, group, planned_meeting, alpha_family, monday
):
    client = client_for(user_named(request, who))
    version = planned_meeting.version
    meeting_args = [planned_meeting.pk]

    day = (monday + datetime.timedelta(days=8)).isoformat()
    refused = [
        client.post(
            reverse("supervision:schedule", args=[group.pk]), {"day": day, "time": "10:00"}
        ),
        client.get(reverse("supervision:agenda", args=meeting_args)),
        client.post(
            reverse("supervision:agenda", args=meeting_args),
            {"family": [alpha_family.pk], f"position_{alpha_family.pk}": "1", "version": version},
        ),
        client.get(reverse("supervision:slots", args=meeting_args)),
        client.post(
            reverse("supervision:slots", args=meeting_args),
            {
                "starts_at": at(monday + datetime.timedelta(days=2), 11).isoformat(),
                "version": version,
            },
        ),
        client.get(reverse("supervision:cancel", args=meeting_args)),
        client.post(
            reverse("supervision:cancel", args=meeting_args),
            {"reason": "Not needed", "version": version},
        ),
        client.get(reverse("supervision:interval", args=[planned_meeting.pk, alpha_family.pk])),
        client.post(
            reverse("supervision:interval", args=[planned_meeting.pk, alpha_family.pk]),
            {"interval_days": "3"},
        ),
    ]

    assert [response.status_code for response in refused] == [403] * len(refused)
    assert Meeting.objects.count() == 1
    planned_meeting.refresh_from_db()
    assert planned_meeting.version == version
    assert planned_meeting.status == Meeting.Status.PLANNED
    assert planned_meeting.starts_at == at(monday + datetime.timedelta(days=1), 10)
    assert list(planned_meeting.agenda.values_list("family__reference", flat=True)) == [
        "ALPHA",
        "BRAVO",
    ]
    assert not FamilyDiscussionPlan.objects.exists()


def test_the_chair_may_open_each_of_those_pages(
    client_for, manager, group, planned_meeting, alpha_family
):
    client = client_for(manager)
    for url in [
        reverse("supervision:agenda", args=[planned_meeting.pk]),
        reverse("supervision:slots", args=[planned_meeting.pk]),
        reverse("supervision:cancel", args=[planned_meeting.pk]),
        reverse("supervision:interval", args=[planned_meeting.pk, alpha_family.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    response = client.post(
        reverse("supervision:interval", args=[planned_meeting.pk, alpha_family.pk]),
        {"interval_days": "3"},
    )
    assert response.status_code == 302
    assert FamilyDiscussionPlan.objects.get(family=alpha_family).interval_days == 3


@pytest.mark.parametrize("who", NOT_THE_CHAIR)
def test_only_the_chair_signs_off(request, client_for, who, manager, minuted_meeting):
    version = minuted_meeting.version

    response = client_for(user_named(request, who)).post(
        reverse("supervision:sign_off", args=[minuted_meeting.pk]), {"version": version}
    )

    assert response.status_code == 403
    minuted_meeting.refresh_from_db()
    assert not minuted_meeting.is_signed_off
    # The chair can.
    client_for(manager).post(
        reverse("supervision:sign_off", args=[minuted_meeting.pk]), {"version": version}
    )
    minuted_meeting.refresh_from_db()
    assert minuted_meeting.is_signed_off


def test_only_the_chair_sees_the_chairs_buttons(client_for, manager, alice, planned_meeting):
    url = reverse("supervision:meeting", args=[planned_meeting.pk])
    agenda_url = reverse("supervision:agenda", args=[planned_meeting.pk])

    assert agenda_url in client_for(manager).get(url).content.decode()
    assert agenda_url not in client_for(alice).get(url).content.decode()


# Who minutes -----------------------------------------------------------------------------


def minutes_post(owner, due):
    return {
        "present": [owner.pk],
        "child_safety_rag": "green",
        "decisions": "Step down to fortnightly visits.",
        "action_1": "Write to the school",
        "owner_1": owner.pk,
        "due_1": due.isoformat(),
    }


@pytest.fixture
def started_meeting(group, today, alpha_family, bravo_family) -> Meeting:
    """A meeting that began an hour ago, not minuted yet."""
    meeting = Meeting.objects.create(
        group=group,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        length_minutes=group.length_minutes,
    )
    put_on_agenda(meeting, alpha_family, bravo_family)
    return meeting


@pytest.mark.parametrize("who", ["alice", "bob", "specialist", "locality_manager"])
def test_only_business_support_of_the_team_or_the_chair_minute(
    request, client_for, who, alice, started_meeting, alpha_family, today
):
    client = client_for(user_named(request, who))
    url = reverse("supervision:minutes", args=[started_meeting.pk, alpha_family.pk])
    not_discussed = reverse("supervision:not_discussed", args=[started_meeting.pk, alpha_family.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, minutes_post(alice, today)).status_code == 403
    assert client.post(not_discussed, {"why": "no_show"}).status_code == 403
    assert not Discussion.objects.exists()
    assert not AgendaItem.objects.exclude(not_discussed="").exists()
    # The meeting page offers them no "Minute" link.
    page = client.get(reverse("supervision:meeting", args=[started_meeting.pk])).content.decode()
    assert url not in page


@pytest.mark.parametrize("who", ["support", "manager"])
def test_business_support_and_the_chair_minute(
    request, client_for, who, alice, started_meeting, alpha_family, today
):
    client = client_for(user_named(request, who))
    url = reverse("supervision:minutes", args=[started_meeting.pk, alpha_family.pk])

    assert (
        url
        in client.get(reverse("supervision:meeting", args=[started_meeting.pk])).content.decode()
    )
    assert client.get(url).status_code == 200
    response = client.post(url, minutes_post(alice, today))

    assert response.status_code == 302, response.content.decode()
    assert Discussion.objects.get().family == alpha_family


def test_another_teams_business_support_cannot_minute(
    client_for, other_support, started_meeting, alpha_family, alice, today
):
    url = reverse("supervision:minutes", args=[started_meeting.pk, alpha_family.pk])
    response = client_for(other_support).post(url, minutes_post(alice, today))

    assert response.status_code == 404
    assert not Discussion.objects.exists()


@pytest.mark.parametrize("who", ["alice", "specialist"])
def test_only_the_minute_takers_add_a_correction(
    request, client_for, who, manager, support, minuted_meeting, alpha_family
):
    client_for(manager).post(
        reverse("supervision:sign_off", args=[minuted_meeting.pk]),
        {"version": minuted_meeting.version},
    )
    discussion = minuted_meeting.discussions.get(family=alpha_family)
    url = reverse("supervision:addendum", args=[discussion.pk])

    client = client_for(user_named(request, who))
    assert client.get(url).status_code == 403
    assert client.post(url, {"text": "Mum was there too."}).status_code == 403
    assert not Addendum.objects.exists()
    assert client_for(support).post(url, {"text": "Mum was there too."}).status_code == 302
    assert Addendum.objects.get().written_by == support


# What a specialist member is shown -------------------------------------------------------


def test_a_specialist_sees_details_only_of_the_families_whose_adults_they_work_with(
    client_for, specialist, alice, minuted_meeting
):
    url = reverse("supervision:meeting", args=[minuted_meeting.pk])

    page = client_for(specialist).get(url).content.decode()

    assert "Alpha: keep the mother&#x27;s recovery plan" in page
    assert "BRAVO" in page
    assert "Bravo: ask the father about the court date" not in page
    assert "Bob Worker" not in page
    assert page.count(NOT_SHOWN) == 1
    # Everyone else in the group sees both.
    page = client_for(alice).get(url).content.decode()
    assert "Alpha: keep the mother&#x27;s recovery plan" in page
    assert "Bravo: ask the father about the court date" in page
    assert NOT_SHOWN not in page


def test_the_meeting_names_families_by_their_children_only_to_those_who_may_see_them(
    client_for, specialist, alice, minuted_meeting, alpha_family, bravo_family
):
    PersonFactory(family=alpha_family, given_name="Ava", family_name="Wellstead")
    PersonFactory(family=bravo_family, given_name="Zinnia", family_name="Okafor")
    url = reverse("supervision:meeting", args=[minuted_meeting.pk])

    specialist_page = client_for(specialist).get(url).content.decode()
    alice_page = client_for(alice).get(url).content.decode()

    assert "Wellstead — Ava (ALPHA)" in specialist_page
    assert "BRAVO" in specialist_page
    assert "Okafor" not in specialist_page
    assert "Zinnia" not in specialist_page
    assert "Wellstead — Ava (ALPHA)" in alice_page
    assert "Okafor — Zinnia (BRAVO)" in alice_page


def test_a_specialist_is_not_told_why_a_family_they_do_not_work_with_is_on_the_agenda(
    client_for, specialist, alice, manager, planned_meeting, alpha_family, bravo_family
):
    agenda_set(
        meeting=planned_meeting,
        families=[
            (alpha_family, "Not discussed yet"),
            (bravo_family, "Red; CP review conference in 3 days"),
        ],
        expected_version=planned_meeting.version,
        acting_user=manager,
    )
    url = reverse("supervision:meeting", args=[planned_meeting.pk])

    specialist_page = client_for(specialist).get(url).content.decode()
    worker_page = client_for(alice).get(url).content.decode()

    assert "Why: Not discussed yet" in specialist_page
    assert "CP review conference" not in specialist_page
    assert specialist_page.count(NOT_SHOWN) == 1
    assert "Why: Red; CP review conference in 3 days" in worker_page


def test_a_specialist_is_not_told_why_such_a_family_was_not_discussed(
    client_for, specialist, alice, support, group, today, alpha_family, bravo_family
):
    meeting = past_meeting(group, today - datetime.timedelta(days=1))
    put_on_agenda(meeting, alpha_family, bravo_family)
    for family in (alpha_family, bravo_family):
        response = client_for(support).post(
            reverse("supervision:not_discussed", args=[meeting.pk, family.pk]),
            {"why": "no_show"},
        )
        assert response.status_code == 302
    url = reverse("supervision:meeting", args=[meeting.pk])

    specialist_page = client_for(specialist).get(url).content.decode()
    worker_page = client_for(alice).get(url).content.decode()

    assert specialist_page.count("The social worker did not come") == 1
    assert specialist_page.count(NOT_SHOWN) == 1
    assert worker_page.count("The social worker did not come") == 2


def test_a_specialist_sees_the_pack_only_for_the_families_they_work_with(
    client_for, specialist, alice, group, support, bob, planned_meeting, bravo_family, today
):
    earlier = past_meeting(group, today - datetime.timedelta(days=20))
    put_on_agenda(earlier, bravo_family)
    discussion_record(
        meeting=earlier,
        family=bravo_family,
        present=[bob],
        child_safety_rag="red",
        analysis="",
        decisions="Bravo pack: legal planning meeting",
        stages={},
        actions=[],
        acting_user=support,
    )
    pack_store(planned_meeting)
    url = reverse("supervision:meeting", args=[planned_meeting.pk])

    specialist_page = client_for(specialist).get(url).content.decode()
    worker_page = client_for(alice).get(url).content.decode()

    assert "Bravo pack: legal planning meeting" in worker_page
    assert "Bravo pack: legal planning meeting" not in specialist_page
    assert specialist_page.count(NOT_SHOWN) == 1
