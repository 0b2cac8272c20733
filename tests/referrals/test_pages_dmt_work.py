"""The Dads Matter Too work pages: consultations, mini training, group programmes and
attendance. Who may use them, what a valid post saves and audits, what bad input is told."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role, SpecialistPathway
from families.models import Membership, Person
from referrals.models import (
    Consultation,
    GroupProgramme,
    Pathway,
    ProgrammeAttendance,
    ProgrammeSession,
    TrainingSession,
)
from referrals.services import (
    consultation_record,
    programme_attendance_record,
    programme_create,
    referral_allocate,
    referral_create,
    training_record,
)

from ..factories import FamilyFactory, PersonFactory, TeamFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_WEEK = TODAY - datetime.timedelta(days=7)
THEMES = ["Becoming a dad", "Mental health", "Relationships"]


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def worker(make_user):
    return make_user(
        Role.SPECIALIST, username="dw", first_name="Dwayne", pathway=SpecialistPathway.DMT
    )


@pytest.fixture
def colleague(make_user):
    return make_user(
        Role.SPECIALIST, username="dc", first_name="Colin", pathway=SpecialistPathway.DMT
    )


@pytest.fixture
def lead(make_user):
    return make_user(
        Role.SPECIALIST, username="dl", pathway=SpecialistPathway.DMT, leads_pathway=True
    )


def _allocated_father(social_worker, practitioner, given_name: str) -> Person:
    family = FamilyFactory(team=social_worker.team, opened_on=datetime.date(2024, 1, 1))
    father = PersonFactory(
        family=family, role=Membership.Role.FATHER, given_name=given_name, family_name="Jones"
    )
    referral = referral_create(
        person=father,
        family=family,
        pathway=Pathway.objects.get(code="dmt"),
        referred_on=datetime.date(2024, 5, 1),
        eligibility_override="Asked by the social worker",
        acting_user=social_worker,
    )
    referral_allocate(
        referral=referral,
        practitioner=practitioner,
        allocated_on=datetime.date(2024, 5, 2),
        acting_user=social_worker,
    )
    return father


@pytest.fixture
def my_father(alice, worker) -> Person:
    return _allocated_father(alice, worker, "Declan")


@pytest.fixture
def colleagues_father(alice, colleague) -> Person:
    return _allocated_father(alice, colleague, "Connor")


@pytest.fixture
def programme(worker) -> GroupProgramme:
    return programme_create(
        name="Lads to Dads",
        pathway=Pathway.objects.get(code="dmt"),
        delivery=GroupProgramme.Delivery.IN_PERSON,
        starts_on=LAST_WEEK,
        themes=THEMES,
        acting_user=worker,
    )


@pytest.fixture
def session(programme) -> ProgrammeSession:
    return programme.sessions.get(number=1)


def _urls(programme: GroupProgramme) -> list[str]:
    return [
        reverse("referrals:dmt_work"),
        reverse("referrals:dmt_consultation_create"),
        reverse("referrals:dmt_training_create"),
        reverse("referrals:dmt_programme_create"),
        reverse("referrals:dmt_programme", args=[programme.pk]),
        reverse("referrals:dmt_session", args=[programme.pk, 1]),
    ]


def _changes() -> int:
    """Audited changes to records (not views, nor signing in)."""
    changes = (AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE)
    return AuditEvent.objects.filter(action__in=changes).count()


# Who may use the pages --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker", "lead"])
def test_dmt_practitioners_get_every_page(request, client_for, programme, who):
    client = client_for(request.getfixturevalue(who))
    for url in _urls(programme):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("role", "pathway", "leads"),
    [
        (Role.SOCIAL_WORKER, "", False),
        (Role.TEAM_MANAGER, "", False),
        (Role.SERVICE_MANAGER, "", False),
        (Role.BUSINESS_SUPPORT, "", False),
        (Role.AUDITOR, "", False),
        (Role.ADMIN, "", False),
        (Role.SPECIALIST, SpecialistPathway.SUBSTANCE_USE, False),
        (Role.SPECIALIST, SpecialistPathway.MENTAL_HEALTH, True),
    ],
)
def test_other_roles_and_pathways_are_forbidden(
    client_for, make_user, team, programme, role, pathway, leads
):
    user = make_user(role, pathway=pathway, leads_pathway=leads, team=team)
    client = client_for(user)
    for url in _urls(programme):
        assert client.get(url).status_code == 403, url
    for url in _urls(programme)[1:4] + _urls(programme)[5:]:
        data = {"attendee_name": "Pete", "topic": "T", "audience": "A", "themes": "T"}
        assert client.post(url, data).status_code == 403, url
    assert not Consultation.objects.exists()
    assert not TrainingSession.objects.exists()
    assert GroupProgramme.objects.count() == 1
    assert not ProgrammeAttendance.objects.exists()


def test_another_pathways_programme_and_a_missing_session_are_not_found(
    client_for, worker, programme
):
    other = programme_create(
        name="Recovery group",
        pathway=Pathway.objects.get(code="substance_use"),
        delivery=GroupProgramme.Delivery.ONLINE,
        starts_on=LAST_WEEK,
        themes=["Cravings"],
        acting_user=worker,
    )
    client = client_for(worker)
    assert client.get(reverse("referrals:dmt_programme", args=[other.pk])).status_code == 404
    assert client.get(reverse("referrals:dmt_session", args=[other.pk, 1])).status_code == 404
    response = client.post(
        reverse("referrals:dmt_session", args=[other.pk, 1]), {"attendee_name": "X"}
    )
    assert response.status_code == 404
    assert client.get(reverse("referrals:dmt_session", args=[programme.pk, 9])).status_code == 404
    assert not ProgrammeAttendance.objects.exists()


def test_navigation_and_home_show_dmt_work_only_to_dmt_practitioners(
    client_for, worker, lead, make_user
):
    dmt_work = reverse("referrals:dmt_work")
    worker_home = page(client_for(worker).get(reverse("home")))
    assert "DMT work" in worker_home and f'href="{dmt_work}"' in worker_home

    lead_home = page(client_for(lead).get(reverse("home")))
    assert "DMT work" in lead_home and "Waiting lists" in lead_home

    substance = make_user(Role.SPECIALIST, username="su", pathway=SpecialistPathway.SUBSTANCE_USE)
    other_home = page(client_for(substance).get(reverse("home")))
    assert "DMT work" not in other_home and dmt_work not in other_home


# The DMT work page ------------------------------------------------------------------------


def test_the_work_page_lists_my_consultations_recent_first_and_not_a_colleagues(
    client_for, worker, colleague, alice, programme
):
    for days, topic in [(30, "Older advice"), (2, "Newer advice")]:
        consultation_record(
            given_on=TODAY - datetime.timedelta(days=days),
            team=alice.team,
            topic=topic,
            minutes=20,
            acting_user=worker,
        )
    consultation_record(
        given_on=TODAY, team=alice.team, topic="Colin's advice", minutes=15, acting_user=colleague
    )
    training_record(
        delivered_on=LAST_WEEK, audience="SASS West 1", attendees=12, acting_user=worker
    )
    training_record(
        delivered_on=LAST_WEEK, audience="Colin's team", attendees=4, acting_user=colleague
    )

    text = page(client_for(worker).get(reverse("referrals:dmt_work")))

    assert text.index("Newer advice") < text.index("Older advice")
    assert "Colin's advice" not in text
    assert "SASS West 1" in text and "Colin's team" not in text
    assert "(2, 40 minutes)" in text
    assert "Lads to Dads" in text
    assert reverse("referrals:dmt_programme", args=[programme.pk]) in text
    for name in ("dmt_consultation_create", "dmt_training_create", "dmt_programme_create"):
        assert reverse(f"referrals:{name}") in text


def test_the_work_pages_queries_do_not_grow_with_the_records(client_for, worker, alice):
    client = client_for(worker)
    url = reverse("referrals:dmt_work")

    def add(count: int) -> None:
        for n in range(count):
            consultation_record(
                given_on=TODAY, team=alice.team, topic=f"T{n}", minutes=10, acting_user=worker
            )
            training_record(delivered_on=TODAY, audience=f"A{n}", attendees=3, acting_user=worker)
            made = programme_create(
                name=f"Group {n}",
                pathway=Pathway.objects.get(code="dmt"),
                delivery="online",
                starts_on=TODAY,
                themes=THEMES,
                locality=alice.team.locality,
                acting_user=worker,
            )
            programme_attendance_record(
                session=made.sessions.first(), attendee_name="Pete", acting_user=worker
            )

    add(1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(15)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


# Consultations ----------------------------------------------------------------------------


def test_a_consultation_is_recorded_and_audited(client_for, worker, alice):
    response = client_for(worker).post(
        reverse("referrals:dmt_consultation_create"),
        {
            "given_on": LAST_WEEK.isoformat(),
            "team": alice.team.pk,
            "social_worker": alice.pk,
            "topic": "A father who will not answer calls",
            "minutes": "45",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:dmt_work")
    consultation = Consultation.objects.get()
    assert (consultation.given_by, consultation.team, consultation.social_worker) == (
        worker,
        alice.team,
        alice,
    )
    assert (consultation.given_on, consultation.minutes) == (LAST_WEEK, 45)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        actor=worker,
        object_type="referrals.consultation",
        object_id=str(consultation.pk),
    ).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"topic": ""}, "Enter what you advised on"),
        ({"minutes": "0"}, "Enter the time spent in minutes from 1 to 480"),
        ({"minutes": "an hour"}, "Enter the time spent in minutes as a whole number"),
        ({"team": ""}, "Select the social worker's team"),
        ({"given_on": "2024-02-31"}, "Enter a real date"),
        (
            {"given_on": (TODAY + datetime.timedelta(days=1)).isoformat()},
            "The date cannot be in the future.",
        ),
        ({"social_worker": "other-team"}, "Choose a social worker in that team."),
        ({"social_worker": "manager"}, "Select a social worker from the list"),
    ],
)
def test_a_bad_consultation_is_explained_and_saves_nothing(
    client_for, worker, alice, charlie, make_user, change, message
):
    manager = make_user(Role.TEAM_MANAGER, team=alice.team)
    data = {
        "given_on": LAST_WEEK.isoformat(),
        "team": alice.team.pk,
        "social_worker": alice.pk,
        "topic": "Advice",
        "minutes": "30",
    }
    data.update(change)
    data["social_worker"] = {"other-team": charlie.pk, "manager": manager.pk}.get(
        data["social_worker"], data["social_worker"]
    )
    before = _changes()

    response = client_for(worker).post(reverse("referrals:dmt_consultation_create"), data)

    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text
    assert message in text
    assert not Consultation.objects.exists()
    assert _changes() == before


def test_the_social_worker_choice_lists_only_social_workers(client_for, worker, alice, make_user):
    make_user(Role.TEAM_MANAGER, username="tm", first_name="Tamsin", team=alice.team)
    response = client_for(worker).get(reverse("referrals:dmt_consultation_create"))
    options = page(response).split('name="social_worker"')[1].split("</select>")[0]
    assert "Alice" in options
    assert "Tamsin" not in options
    assert "Dwayne" not in options


# Mini training ----------------------------------------------------------------------------


def test_a_training_session_is_recorded_and_audited(client_for, worker):
    response = client_for(worker).post(
        reverse("referrals:dmt_training_create"),
        {"delivered_on": LAST_WEEK.isoformat(), "audience": "SASS East", "attendees": "14"},
    )

    assert response.status_code == 302
    training = TrainingSession.objects.get()
    assert (training.delivered_by, training.audience, training.attendees) == (
        worker,
        "SASS East",
        14,
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        object_type="referrals.trainingsession",
        object_id=str(training.pk),
    ).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"audience": ""}, "Enter who the training was for"),
        ({"attendees": ""}, "Enter the number of attendees"),
        ({"attendees": "0"}, "Enter the number of attendees from 1 to 1000"),
        ({"delivered_on": ""}, "Enter the date of the training"),
        (
            {"delivered_on": (TODAY + datetime.timedelta(days=3)).isoformat()},
            "The date cannot be in the future.",
        ),
    ],
)
def test_a_bad_training_session_is_explained_and_saves_nothing(client_for, worker, change, message):
    data = {"delivered_on": LAST_WEEK.isoformat(), "audience": "SASS East", "attendees": "14"}
    data.update(change)
    before = _changes()

    response = client_for(worker).post(reverse("referrals:dmt_training_create"), data)

    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text and message in text
    assert not TrainingSession.objects.exists()
    assert _changes() == before


# Group programmes -------------------------------------------------------------------------


def test_the_programme_form_suggests_lads_to_dads_and_its_eight_themes(client_for, worker):
    text = page(client_for(worker).get(reverse("referrals:dmt_programme_create")))
    assert 'value="Lads to Dads"' in text
    for theme in (
        "Becoming a dad",
        "Mental health",
        "Relationships",
        "Expectations of fathers",
        "Play and development",
        "Keeping children safe",
        "Money and work",
        "Looking ahead",
    ):
        assert theme in text


def test_a_programme_is_started_with_a_weekly_session_per_theme(client_for, worker, alice):
    start = datetime.date(2024, 9, 2)
    response = client_for(worker).post(
        reverse("referrals:dmt_programme_create"),
        {
            "name": "Lads to Dads",
            "delivery": "in_person",
            "locality": alice.team.locality.pk,
            "starts_on": start.isoformat(),
            "themes": "Becoming a dad\r\n\r\n  Mental health  \r\nRelationships\r\n",
        },
    )

    programme = GroupProgramme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:dmt_programme", args=[programme.pk])
    assert (programme.pathway.code, programme.locality, programme.delivery) == (
        "dmt",
        alice.team.locality,
        "in_person",
    )
    assert list(programme.sessions.values_list("number", "theme", "held_on")) == [
        (1, "Becoming a dad", start),
        (2, "Mental health", start + datetime.timedelta(weeks=1)),
        (3, "Relationships", start + datetime.timedelta(weeks=2)),
    ]
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        object_type="referrals.groupprogramme",
        object_id=str(programme.pk),
    ).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"themes": "  \r\n \r\n"}, "Enter at least one session theme"),
        ({"themes": "x" * 101}, "Each theme must be 100 characters or fewer"),
        ({"themes": "\n".join(f"Theme {n}" for n in range(21))}, "Enter at most 20 session themes"),
        ({"name": ""}, "Enter the name of the group"),
        ({"delivery": ""}, "Select online or in person"),
        ({"delivery": "by post"}, "Select online or in person"),
        ({"starts_on": ""}, "Enter the date of the first session"),
        ({"locality": "999999"}, "Select a locality from the list"),
    ],
)
def test_a_bad_programme_is_explained_and_saves_nothing(client_for, worker, change, message):
    data = {
        "name": "Lads to Dads",
        "delivery": "online",
        "locality": "",
        "starts_on": TODAY.isoformat(),
        "themes": "Becoming a dad",
    }
    data.update(change)

    response = client_for(worker).post(reverse("referrals:dmt_programme_create"), data)

    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text and message in text
    assert not GroupProgramme.objects.exists()
    assert not ProgrammeSession.objects.exists()


def test_the_programme_page_lists_sessions_with_attendance_counts(
    client_for, worker, programme, session
):
    for name in ("Pete", "Paul"):
        programme_attendance_record(session=session, attendee_name=name, acting_user=worker)

    response = client_for(worker).get(reverse("referrals:dmt_programme", args=[programme.pk]))

    text = page(response)
    rows = [row for row in text.split('<tr class="govuk-table__row">')[1:] if "</td>" in row]
    assert len(rows) == 3
    assert "Becoming a dad" in rows[0] and ">2</td>" in rows[0]
    assert "Mental health" in rows[1] and ">0</td>" in rows[1]
    assert reverse("referrals:dmt_session", args=[programme.pk, 2]) in rows[1]
    assert [s.attended for s in response.context["sessions"]] == [2, 0, 0]


# Attendance -------------------------------------------------------------------------------


def _session_url(session: ProgrammeSession) -> str:
    return reverse("referrals:dmt_session", args=[session.programme_id, session.number])


def test_a_father_with_no_case_is_recorded_by_name(client_for, worker, session):
    response = client_for(worker).post(_session_url(session), {"attendee_name": "  Pete Walsh "})

    assert response.status_code == 302
    assert response["Location"] == _session_url(session)
    attendance = ProgrammeAttendance.objects.get()
    assert (attendance.session, attendance.person, attendance.attendee_name) == (
        session,
        None,
        "Pete Walsh",
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        object_type="referrals.programmeattendance",
        object_id=str(attendance.pk),
    ).exists()
    assert "Pete Walsh" in page(client_for(worker).get(_session_url(session)))


def test_a_session_still_to_come_takes_no_attendance(client_for, worker, programme):
    upcoming = programme.sessions.get(number=3)  # two weeks after last week's first session
    client = client_for(worker)

    text = page(client.get(_session_url(upcoming)))
    response = client.post(_session_url(upcoming), {"attendee_name": "Pete Walsh"})

    assert "once the session has happened" in text
    assert "Record attendance" not in text
    assert "There is a problem" in page(response)
    assert not ProgrammeAttendance.objects.exists()


def test_a_father_with_a_case_is_chosen_from_the_workers_fathers(
    client_for, worker, session, my_father, colleagues_father
):
    client = client_for(worker)
    form_page = page(client.get(_session_url(session)))
    assert "Declan Jones" in form_page
    assert "Connor Jones" not in form_page

    response = client.post(_session_url(session), {"person": my_father.pk})

    assert response.status_code == 302
    attendance = ProgrammeAttendance.objects.get()
    assert (attendance.person, attendance.attendee_name) == (my_father, "")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="referrals.programmeattendance"
    ).exists()
    text = page(client.get(_session_url(session)))
    assert "Who attended (1)" in text
    assert "Declan Jones" in text.split("Record a father who attended")[0]


def test_a_father_the_worker_may_not_see_cannot_be_chosen(
    client_for, worker, session, my_father, colleagues_father
):
    before = _changes()

    response = client_for(worker).post(_session_url(session), {"person": colleagues_father.pk})

    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text
    assert "Select a father from the list" in text
    assert not ProgrammeAttendance.objects.exists()
    assert _changes() == before


def test_a_mother_with_a_case_cannot_be_chosen(client_for, worker, alice, session):
    family = FamilyFactory(team=alice.team, opened_on=datetime.date(2024, 1, 1))
    mother = PersonFactory(family=family, role=Membership.Role.MOTHER, given_name="Mary")
    referral = referral_create(
        person=mother,
        family=family,
        pathway=Pathway.objects.get(code="dmt"),
        referred_on=datetime.date(2024, 5, 1),
        eligibility_override="Test",
        acting_user=alice,
    )
    referral_allocate(
        referral=referral,
        practitioner=worker,
        allocated_on=datetime.date(2024, 5, 1),
        acting_user=alice,
    )

    response = client_for(worker).post(_session_url(session), {"person": mother.pk})

    assert "Select a father from the list" in page(response)
    assert not ProgrammeAttendance.objects.exists()


def test_a_colleagues_father_already_recorded_is_not_named_to_the_worker(
    client_for, worker, colleague, session, colleagues_father
):
    programme_attendance_record(session=session, person=colleagues_father, acting_user=colleague)

    worker_page = page(client_for(worker).get(_session_url(session)))
    colleague_page = page(client_for(colleague).get(_session_url(session)))

    assert "Connor Jones" not in worker_page
    assert "A father on a colleague's caseload" in worker_page
    assert "Connor Jones" in colleague_page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a father with a case, or enter the name of a father without one"),
        ({"attendee_name": "   "}, "Choose a father with a case, or enter the name"),
        ({"person": "mine", "attendee_name": "Pete"}, "Enter a name only for a father without"),
        ({"attendee_name": "P" * 101}, "The name must be 100 characters or fewer"),
        ({"person": "duplicate"}, "Declan Jones is already recorded at this session."),
    ],
)
def test_bad_attendance_is_explained_and_saves_nothing(
    client_for, worker, session, my_father, data, message
):
    if data.get("person") == "duplicate":
        programme_attendance_record(session=session, person=my_father, acting_user=worker)
    if "person" in data:
        data = {**data, "person": my_father.pk}
    count, before = ProgrammeAttendance.objects.count(), _changes()

    response = client_for(worker).post(_session_url(session), data)

    assert response.status_code == 200
    text = page(response)
    assert "There is a problem" in text and message in text
    assert ProgrammeAttendance.objects.count() == count
    assert _changes() == before


def test_the_session_pages_queries_do_not_grow_with_attendance(
    client_for, worker, alice, session, my_father
):
    client = client_for(worker)
    url = _session_url(session)
    programme_attendance_record(session=session, person=my_father, acting_user=worker)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(8):
        father = _allocated_father(alice, worker, f"Dad{n}")
        programme_attendance_record(session=session, person=father, acting_user=worker)
        programme_attendance_record(session=session, attendee_name=f"Guest {n}", acting_user=worker)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_a_pathway_manager_may_choose_any_dmt_father(
    client_for, lead, session, my_father, colleagues_father
):
    client = client_for(lead)
    response = client.post(_session_url(session), {"person": colleagues_father.pk})
    assert response.status_code == 302
    assert ProgrammeAttendance.objects.get().person == colleagues_father


def test_a_father_of_another_team_is_not_offered_to_a_worker_without_his_referral(
    client_for, worker, session
):
    family = FamilyFactory(team=TeamFactory(), opened_on=datetime.date(2024, 1, 1))
    stranger = PersonFactory(family=family, role=Membership.Role.FATHER, given_name="Stan")

    response = client_for(worker).post(_session_url(session), {"person": stranger.pk})

    assert "Select a father from the list" in page(response)
    assert not ProgrammeAttendance.objects.exists()
