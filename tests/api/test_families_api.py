"""The partner API's families (families.api): what each reader is shown, what each may
change, and that a change goes through the same service as the page (validation, audit,
version checks), nothing written when it is refused."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent, Role, SpecialistPathway
from dmt.api.problems import PROBLEM_CONTENT_TYPE
from dmt.api.views import ApiViewSet
from families import services
from families.models import (
    ChronologyEntry,
    Contact,
    ContactKind,
    InvolvementPeriod,
    LegalStatus,
    Membership,
    PlanAction,
    StatusEpisode,
)

from ..conftest import signed_in
from ..factories import FamilyFactory, PartnerAgencyFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REFUGE = "Flat 3, The Refuge, Dorchester"


@pytest.fixture
def case(alice, team, charlie, other_team):
    """ALICE-1, alice's open family in her team: Cara (child protection) and Dan (child in
    need), their mother Rachel (a domestic-abuse victim: restricted contact details), their
    father Frank who lives elsewhere (OTHER-1, charlie's), and Lee, who has left."""
    family = FamilyFactory(
        reference="ALICE-1",
        team=team,
        social_worker=alice,
        opened_on=TODAY - datetime.timedelta(days=100),
    )
    elsewhere = FamilyFactory(reference="OTHER-1", team=other_team, social_worker=charlie)
    frank = PersonFactory(
        family=elsewhere,
        role=Membership.Role.FATHER,
        reference="P-FRANK",
        given_name="Frank",
        family_name="Wellstead",
        phone="07700 900456",
    )
    rachel = PersonFactory(
        family=family,
        role=Membership.Role.MOTHER,
        reference="P-RACHEL",
        given_name="Rachel",
        family_name="Wellstead",
        address=REFUGE,
        phone="07700 900123",
        contact_restricted=True,
    )
    cara = PersonFactory(
        family=family,
        reference="P-CARA",
        given_name="Cara",
        family_name="Wellstead",
        date_of_birth=TODAY - datetime.timedelta(days=700),
        father=frank,
    )
    dan = PersonFactory(
        family=family,
        reference="P-DAN",
        given_name="Dan",
        family_name="Wellstead",
        date_of_birth=TODAY - datetime.timedelta(days=1500),
    )
    lee = PersonFactory(
        family=family,
        role=Membership.Role.FATHER_FIGURE,
        reference="P-LEE",
        given_name="Lee",
        family_name="Marsh",
    )
    Membership.objects.filter(person=lee).update(left_on=TODAY - datetime.timedelta(days=10))
    started = TODAY - datetime.timedelta(days=90)
    services.child_status_change(
        child=cara, status=LegalStatus.CP, start_date=started, acting_user=alice
    )
    services.child_status_change(
        child=dan, status=LegalStatus.CIN, start_date=started, acting_user=alice
    )
    return {
        "family": family,
        "rachel": rachel,
        "cara": cara,
        "dan": dan,
        "frank": frank,
        "lee": lee,
    }


def reads(user, reference: str) -> int:
    return AuditEvent.objects.filter(
        actor=user, action=AuditEvent.Action.VIEW, object_reference=reference
    ).count()


def problem_pointers(response) -> list[str]:
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE, response.content
    return [error["pointer"] for error in response.json()["errors"]]


# The family list ------------------------------------------------------------------------


def test_the_list_shows_each_family_the_user_may_see_with_its_figures(alice, charlie, case):
    closed = FamilyFactory(
        reference="ALICE-0",
        team=alice.team,
        opened_on=TODAY - datetime.timedelta(days=400),
        closed_on=TODAY - datetime.timedelta(days=30),
    )
    InvolvementPeriod.objects.create(
        family=closed,
        opened_on=TODAY - datetime.timedelta(days=900),
        closed_on=TODAY - datetime.timedelta(days=500),
    )
    visit = timezone.now() - datetime.timedelta(days=3)
    services.contact_record(
        family=case["family"],
        occurred_at=visit,
        kind=ContactKind.HOME_VISIT,
        note="Seen at home.",
        acting_user=alice,
    )
    rows = signed_in(alice).get("/api/families/").json()["results"]
    assert [row["reference"] for row in rows] == ["ALICE-0", "ALICE-1"]
    assert rows[1] == {
        "reference": "ALICE-1",
        "name": "Wellstead — Dan, Cara",
        "status": "open",
        "locality": alice.team.locality.name,
        "team": alice.team.name,
        "social_worker": "alice",
        "opened_on": case["family"].opened_on.isoformat(),
        "closed_on": None,
        "last_contact_at": rows[1]["last_contact_at"],
        "highest_legal_status": "cp",
        "children": 2,
        "re_referral": False,
    }
    assert rows[1]["last_contact_at"].startswith(timezone.localtime(visit).date().isoformat())
    assert rows[0]["status"] == "closed" and rows[0]["social_worker"] is None
    assert rows[0]["highest_legal_status"] is None and rows[0]["re_referral"] is True
    assert reads(alice, "ALICE-1") == 1 and reads(alice, "ALICE-0") == 1
    # The outsider sees neither (only his own OTHER-1), and neither is audited as read.
    theirs = signed_in(charlie).get("/api/families/").json()["results"]
    assert [row["reference"] for row in theirs] == ["OTHER-1"]
    assert reads(charlie, "ALICE-1") == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", ["ALICE-1"]),
        ("status=closed", ["ALICE-0"]),
        ("worker=alice", ["ALICE-1"]),
        ("worker=bob", []),
        ("legal_status=cp", ["ALICE-1"]),
        ("legal_status=cin", []),
        ("legal_status=not_open", ["ALICE-0"]),
        ("last_contact_after=" + (TODAY - datetime.timedelta(days=5)).isoformat(), ["ALICE-1"]),
        ("last_contact_before=" + (TODAY - datetime.timedelta(days=5)).isoformat(), ["ALICE-0"]),
        ("team=SASS+West+1", ["ALICE-0", "ALICE-1"]),
        ("team=Elsewhere", []),
    ],
)
def test_the_list_filters(alice, case, query, expected):
    FamilyFactory(reference="ALICE-0", team=alice.team, closed_on=TODAY)
    services.contact_record(
        family=case["family"],
        occurred_at=timezone.now() - datetime.timedelta(days=2),
        kind=ContactKind.PHONE,
        note="Called mum.",
        acting_user=alice,
    )
    rows = signed_in(alice).get(f"/api/families/?{query}").json()["results"]
    assert [row["reference"] for row in rows] == expected


@pytest.mark.parametrize(
    ("query", "pointer"),
    [("status=shut", "#/status"), ("last_contact_before=31/02/2026", "#/last_contact_before")],
)
def test_a_bad_filter_is_a_problem_pointing_at_it(alice, query, pointer):
    response = signed_in(alice).get(f"/api/families/?{query}")
    assert response.status_code == 400
    assert problem_pointers(response) == [pointer]


def test_a_role_that_reads_no_caseload_may_not_list_families(case):
    specialist = UserFactory(
        role=Role.SPECIALIST,
        pathway=SpecialistPathway.MENTAL_HEALTH,
        agency=PartnerAgencyFactory(),
    )
    response = signed_in(specialist).get("/api/families/")
    assert response.status_code == 403
    assert response.json()["type"] == "/api/#problem-permission-denied"
    assert signed_in(specialist).get("/api/families/ALICE-1/").status_code == 404


def test_the_list_costs_the_same_queries_for_2_families_as_for_20(alice, team):
    def queries() -> int:
        client = signed_in(alice)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/families/").status_code == 200
        return len(captured)

    for number in range(2):
        family = FamilyFactory(reference=f"Q-{number:02d}", team=team, social_worker=alice)
        PersonFactory(family=family)
    two = queries()
    for number in range(2, 20):
        family = FamilyFactory(reference=f"Q-{number:02d}", team=team, social_worker=alice)
        PersonFactory(family=family)
    assert len(signed_in(alice).get("/api/families/").json()["results"]) == 20
    assert queries() == two


# A family and a person -------------------------------------------------------------------


def test_the_family_shows_its_members_as_the_page_does(alice, case):
    response = signed_in(alice).get("/api/families/ALICE-1/")
    assert response.status_code == 200 and response["ETag"]
    body = response.json()
    members = {member["reference"]: member for member in body["members"]}
    assert list(members) == ["P-DAN", "P-CARA", "P-RACHEL"]
    assert members["P-CARA"]["legal_status"] == {
        "status": "cp",
        "since": (TODAY - datetime.timedelta(days=90)).isoformat(),
    }
    # Her father lives in another household, which alice cannot open: named, as on the page.
    assert members["P-CARA"]["father"] == {"reference": "P-FRANK", "name": "Frank Wellstead"}
    assert members["P-DAN"]["father"] is None
    assert members["P-CARA"]["address"] is None  # no child's contact details, as on the page
    assert members["P-RACHEL"]["role"] == "mother"
    assert members["P-RACHEL"]["address"] == REFUGE  # alice holds the case
    assert members["P-RACHEL"]["contact_details_visible"] is True
    assert body["former_members"] == [
        {
            "reference": "P-LEE",
            "given_name": "Lee",
            "family_name": "Marsh",
            "previously_known_as": [],
            "role": "father_figure",
            "joined_on": None,
            "left_on": (TODAY - datetime.timedelta(days=10)).isoformat(),
        }
    ]
    assert body["highest_legal_status"] == "cp" and body["children"] == 2
    # The family is audited as read, and Frank, shown though he lives elsewhere.
    assert reads(alice, "ALICE-1") == 1 and reads(alice, "P-FRANK") == 1


def test_a_colleague_reads_the_family_with_the_victims_details_shielded(bob, case):
    body = signed_in(bob).get("/api/families/ALICE-1/").json()
    rachel = next(member for member in body["members"] if member["reference"] == "P-RACHEL")
    assert rachel["contact_details_visible"] is False
    assert (rachel["address"], rachel["phone"], rachel["email"]) == ("Restricted",) * 3
    assert REFUGE not in str(body) and "900123" not in str(body)
    assert reads(bob, "ALICE-1") == 1


def test_an_outsider_is_told_nothing_of_the_family(charlie, case):
    response = signed_in(charlie).get("/api/families/ALICE-1/")
    assert response.status_code == 404
    assert response.json()["type"] == "/api/#problem-not-found"
    assert "Wellstead" not in response.content.decode()
    assert reads(charlie, "ALICE-1") == 0


def test_a_person_with_their_families_and_relationships(alice, bob, charlie, case):
    body = signed_in(alice).get("/api/people/P-CARA/").json()
    assert body["given_name"] == "Cara" and body["family_name"] == "Wellstead"
    assert body["memberships"] == [
        {
            "family": "ALICE-1",
            "family_name": "Wellstead — Dan, Cara",
            "role": "child",
            "joined_on": None,
            "left_on": None,
        }
    ]
    # Frank lives only in a family alice cannot see: the link to him is not shown here.
    assert body["relationships"] == []
    assert reads(alice, "P-CARA") == 1 and reads(alice, "ALICE-1") == 1
    # charlie holds Frank's family: he sees Frank, and not Cara.
    assert signed_in(charlie).get("/api/people/P-CARA/").status_code == 404
    frank = signed_in(charlie).get("/api/people/P-FRANK/").json()
    assert frank["phone"] == "07700 900456" and frank["relationships"] == []
    # A victim's details: alice holds her case, bob (a colleague) does not.
    assert signed_in(alice).get("/api/people/P-RACHEL/").json()["address"] == REFUGE
    shielded = signed_in(bob).get("/api/people/P-RACHEL/").json()
    assert (shielded["address"], shielded["phone"]) == ("Restricted", "Restricted")
    assert shielded["contact_details_visible"] is False


def test_a_person_shows_relationships_with_people_the_reader_may_see(alice, case):
    services.relationship_add(
        person=case["cara"],
        relative=case["dan"],
        kind="sibling",
        acting_user=alice,
    )
    body = signed_in(alice).get("/api/people/P-DAN/").json()
    assert body["relationships"] == [
        {
            "person": {"reference": "P-CARA", "name": "Cara Wellstead"},
            "kind": "sibling",
            "parent_type": "",
            "relative": {"reference": "P-DAN", "name": "Dan Wellstead"},
            "started_on": None,
            "ended_on": None,
        }
    ]


# Status episodes --------------------------------------------------------------------------


def test_the_status_episodes_of_the_familys_children(alice, bob, charlie, case):
    rows = signed_in(bob).get("/api/families/ALICE-1/status-episodes/").json()["results"]
    assert [(row["child"]["reference"], row["status"], row["end_date"]) for row in rows] == [
        ("P-CARA", "cp", None),
        ("P-DAN", "cin", None),
    ]
    only_cara = signed_in(bob).get("/api/families/ALICE-1/status-episodes/?child=P-CARA")
    assert [row["status"] for row in only_cara.json()["results"]] == ["cp"]
    assert reads(bob, "ALICE-1") == 2
    assert signed_in(charlie).get("/api/families/ALICE-1/status-episodes/").status_code == 404


def test_a_status_change_is_recorded_through_the_service(alice, case):
    response = signed_in(alice).post(
        "/api/families/ALICE-1/status-episodes/",
        {"child": "P-CARA", "status": "cin", "start_date": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["child"]["reference"] == "P-CARA"
    assert (body["status"], body["start_date"], body["end_date"]) == (
        "cin",
        TODAY.isoformat(),
        None,
    )
    assert response["Location"].endswith(f"/api/families/ALICE-1/status-episodes/{body['id']}/")
    episodes = list(
        StatusEpisode.objects.filter(child=case["cara"])
        .order_by("start_date")
        .values_list("status", "end_date")
    )
    assert episodes == [("cp", TODAY - datetime.timedelta(days=1)), ("cin", None)]
    assert ChronologyEntry.objects.filter(
        family=case["family"], summary="Cara stepped down from Child protection to Child in need."
    ).exists()
    assert AuditEvent.objects.filter(
        actor=alice, action=AuditEvent.Action.UPDATE, object_reference="P-CARA"
    ).exists()


def test_stepping_a_child_out_answers_with_the_episode_it_ended(alice, case):
    response = signed_in(alice).post(
        "/api/families/ALICE-1/status-episodes/",
        {"child": "P-DAN", "status": "none", "start_date": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cin"
    assert response.json()["end_date"] == (TODAY - datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"child": "P-CARA", "status": "cin", "start_date": "tomorrow"}, "#/start_date"),
        (
            {
                "child": "P-CARA",
                "status": "cin",
                "start_date": (TODAY + datetime.timedelta(days=1)).isoformat(),
            },
            "#/start_date",
        ),
        ({"child": "P-CARA", "status": "cp", "start_date": TODAY.isoformat()}, "#/status"),
        ({"child": "P-CARA", "status": "promoted", "start_date": TODAY.isoformat()}, "#/status"),
        ({"child": "P-RACHEL", "status": "cin", "start_date": TODAY.isoformat()}, "#/child"),
        ({"child": "P-FRANK", "status": "cin", "start_date": TODAY.isoformat()}, "#/child"),
    ],
)
def test_a_refused_status_change_writes_nothing(alice, case, body, pointer):
    before = (StatusEpisode.objects.count(), ChronologyEntry.objects.count())
    response = signed_in(alice).post(
        "/api/families/ALICE-1/status-episodes/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert problem_pointers(response) == [pointer]
    assert (StatusEpisode.objects.count(), ChronologyEntry.objects.count()) == before


def test_who_may_change_a_status(bob, charlie, make_user, team, case):
    change = {"child": "P-CARA", "status": "cin", "start_date": TODAY.isoformat()}

    def post(user):
        return signed_in(user).post(
            "/api/families/ALICE-1/status-episodes/", change, content_type="application/json"
        )

    # Business support and the service manager read the family but record nothing on it.
    for role, fields in [
        (Role.BUSINESS_SUPPORT, {"team": team}),
        (Role.SERVICE_MANAGER, {"locality": team.locality}),
    ]:
        response = post(make_user(role, **fields))
        assert response.status_code == 403, role
        assert response.json()["type"] == "/api/#problem-permission-denied"
    assert post(charlie).status_code == 404
    assert StatusEpisode.objects.filter(child=case["cara"]).count() == 1
    # A social worker of the family's team records on it, as on the page.
    assert post(bob).status_code == 201


# Contacts ---------------------------------------------------------------------------------


def contact_body(**changes):
    return {
        "kind": "home_visit",
        "occurred_at": (timezone.now() - datetime.timedelta(hours=2)).isoformat(),
        "people_seen": ["P-RACHEL"],
        "children_seen_alone": ["P-CARA"],
        "note": "Saw Cara alone in her room.\nMum was calm.",
        "next_steps": "Core group on Thursday.",
        "significant": True,
        "chronology_summary": "",
        **changes,
    }


def test_a_contact_is_recorded_and_listed(alice, bob, case):
    response = signed_in(alice).post(
        "/api/families/ALICE-1/contacts/", contact_body(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    contact = Contact.objects.get()
    assert response["Location"].endswith(f"/api/families/ALICE-1/contacts/{contact.pk}/")
    assert body["id"] == str(contact.pk)
    # Those seen alone were seen too (the service adds them).
    assert [person["reference"] for person in body["people_seen"]] == ["P-CARA", "P-RACHEL"]
    assert body["children_seen_alone"] == [{"reference": "P-CARA", "name": "Cara Wellstead"}]
    assert body["chronology_summary"] == "Saw Cara alone in her room."
    assert body["recorded_by"] == "alice" and body["significant"] is True
    assert set(contact.people_seen.values_list("reference", flat=True)) == {"P-CARA", "P-RACHEL"}
    assert AuditEvent.objects.filter(
        actor=alice, action=AuditEvent.Action.CREATE, object_type="families.contact"
    ).exists()
    listed = signed_in(bob).get("/api/families/ALICE-1/contacts/").json()["results"]
    assert [row["note"] for row in listed] == ["Saw Cara alone in her room.\nMum was calm."]
    assert signed_in(bob).get(f"/api/families/ALICE-1/contacts/{contact.pk}/").json() == body


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"occurred_at": "yesterday"}, "#/occurred_at"),
        (
            {"occurred_at": (timezone.now() + datetime.timedelta(days=1)).isoformat()},
            "#/occurred_at",
        ),
        ({"kind": "carrier_pigeon"}, "#/kind"),
        ({"note": "   "}, "#/note"),
        ({"people_seen": ["P-NOBODY"]}, "#/people_seen"),
        ({"people_seen": ["P-FRANK"]}, "#/people_seen"),  # he lives elsewhere
        ({"people_seen": ["P-LEE"]}, "#/people_seen"),  # he has left
        ({"children_seen_alone": ["P-RACHEL"]}, "#/children_seen_alone"),
        ({"note": "Null \x00 byte"}, "#/note"),
    ],
)
def test_a_refused_contact_writes_nothing(alice, case, changes, pointer):
    response = signed_in(alice).post(
        "/api/families/ALICE-1/contacts/", contact_body(**changes), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert problem_pointers(response) == [pointer]
    assert (
        not Contact.objects.exists()
        and not ChronologyEntry.objects.filter(contact__isnull=False).exists()
    )


def test_nothing_is_recorded_on_a_closed_case(alice, case):
    type(case["family"]).objects.filter(pk=case["family"].pk).update(closed_on=TODAY)
    response = signed_in(alice).post(
        "/api/families/ALICE-1/contacts/", contact_body(), content_type="application/json"
    )
    assert response.status_code == 400
    assert problem_pointers(response) == ["#"]
    assert "nothing more can be recorded" in response.json()["detail"]
    assert not Contact.objects.exists()


def test_an_outsider_may_not_record_a_contact(charlie, case):
    response = signed_in(charlie).post(
        "/api/families/ALICE-1/contacts/", contact_body(), content_type="application/json"
    )
    assert response.status_code == 404
    assert not Contact.objects.exists()


# Plans and their actions ------------------------------------------------------------------


@pytest.fixture
def action(alice, case):
    plan = services.plan_create(
        child=case["cara"], kind=LegalStatus.CP, started_on=TODAY, acting_user=alice
    )
    return services.plan_action_create(
        plan=plan,
        description="Safety plan reviewed with mum",
        due_on=TODAY + datetime.timedelta(days=7),
        owner_person=case["rachel"],
        acting_user=alice,
    )


def test_the_plans_with_their_actions(bob, charlie, case, action):
    rows = signed_in(bob).get("/api/families/ALICE-1/plans/").json()["results"]
    assert rows == [
        {
            "id": str(action.plan_id),
            "child": {"reference": "P-CARA", "name": "Cara Wellstead"},
            "kind": "cp",
            "started_on": TODAY.isoformat(),
            "review_on": None,
            "ended_on": None,
            "actions": [
                {
                    "id": str(action.pk),
                    "plan": str(action.plan_id),
                    "description": "Safety plan reviewed with mum",
                    "owner": {
                        "worker": None,
                        "person": {"reference": "P-RACHEL", "name": "Rachel Wellstead"},
                    },
                    "due_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
                    "status": "not_started",
                }
            ],
        }
    ]
    assert reads(bob, "ALICE-1") == 1
    assert signed_in(charlie).get("/api/families/ALICE-1/plans/").status_code == 404


def action_path(action) -> str:
    return f"/api/families/ALICE-1/plan-actions/{action.pk}/"


def test_changing_an_actions_status_needs_its_etag(alice, action):
    client = signed_in(alice)
    read = client.get(action_path(action))
    assert read.status_code == 200 and read.json()["status"] == "not_started"
    etag = read["ETag"]

    missing = client.patch(action_path(action), {"status": "done"}, content_type="application/json")
    assert missing.status_code == 428
    stale = client.patch(
        action_path(action),
        {"status": "done"},
        content_type="application/json",
        headers={"If-Match": '"not-the-etag"'},
    )
    assert stale.status_code == 412
    action.refresh_from_db()
    assert (action.status, action.version) == ("not_started", 1)

    changed = client.patch(
        action_path(action),
        {"status": "done"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["status"] == "done" and changed["ETag"] != etag
    action.refresh_from_db()
    assert (action.status, action.version) == ("done", 2)
    assert AuditEvent.objects.filter(
        actor=alice, action=AuditEvent.Action.UPDATE, object_type="families.planaction"
    ).exists()


def test_a_change_someone_else_saved_first_is_refused(alice, bob, action):
    etag = signed_in(alice).get(action_path(action))["ETag"]
    assert (
        signed_in(bob)
        .patch(
            action_path(action),
            {"status": "in_progress"},
            content_type="application/json",
            headers={"If-Match": etag},
        )
        .status_code
        == 200
    )
    late = signed_in(alice).patch(
        action_path(action),
        {"status": "dropped"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert late.status_code == 412
    assert late.json()["type"] == "/api/#problem-edit-conflict"
    action.refresh_from_db()
    assert action.status == "in_progress"


def test_a_change_landing_between_the_check_and_the_write_is_refused(
    alice, bob, action, monkeypatch
):
    """The service checks the version read by the view again, under a lock."""
    check = ApiViewSet.check_if_match

    def check_then_bob_saves(self, request, instance):
        check(self, request, instance)
        services.plan_action_update(
            action=PlanAction.objects.get(pk=instance.pk),
            expected_version=instance.version,
            changes={"status": "in_progress"},
            acting_user=bob,
        )

    etag = signed_in(alice).get(action_path(action))["ETag"]
    monkeypatch.setattr(ApiViewSet, "check_if_match", check_then_bob_saves)
    response = signed_in(alice).patch(
        action_path(action),
        {"status": "done"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert response.status_code == 412
    action.refresh_from_db()
    assert (action.status, action.version) == ("in_progress", 2)


def test_a_bad_status_is_refused_with_a_pointer(alice, action):
    client = signed_in(alice)
    etag = client.get(action_path(action))["ETag"]
    response = client.patch(
        action_path(action),
        {"status": "finished"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert response.status_code == 400
    assert problem_pointers(response) == ["#/status"]
    action.refresh_from_db()
    assert (action.status, action.version) == ("not_started", 1)


def test_who_may_change_an_action(make_user, team, charlie, action):
    auditor = make_user(Role.AUDITOR)
    etag = signed_in(auditor).get(action_path(action))["ETag"]
    refused = signed_in(auditor).patch(
        action_path(action),
        {"status": "done"},
        content_type="application/json",
        headers={"If-Match": etag},
    )
    assert refused.status_code == 403
    assert signed_in(charlie).get(action_path(action)).status_code == 404
    action.refresh_from_db()
    assert action.status == "not_started"


def test_a_familys_lists_cost_the_same_queries_for_2_records_as_for_20(alice, case):
    def queries(path: str) -> int:
        client = signed_in(alice)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def add(number: int) -> None:
        services.contact_record(
            family=case["family"],
            occurred_at=timezone.now() - datetime.timedelta(hours=number + 1),
            kind=ContactKind.PHONE,
            note=f"Call {number}",
            people_seen=[case["rachel"]],
            children_seen_alone=[case["cara"]],
            significant=True,
            acting_user=alice,
        )
        plan = services.plan_create(
            child=case["dan"], kind=LegalStatus.CIN, started_on=TODAY, acting_user=alice
        )
        services.plan_action_create(
            plan=plan,
            description=f"Action {number}",
            due_on=TODAY,
            owner_person=case["rachel"],
            acting_user=alice,
        )

    paths = ["/api/families/ALICE-1/contacts/", "/api/families/ALICE-1/plans/"]
    for number in range(2):
        add(number)
    two = [queries(path) for path in paths]
    for number in range(2, 20):
        add(number)
    assert len(signed_in(alice).get(paths[0]).json()["results"]) == 20
    assert len(signed_in(alice).get(paths[1]).json()["results"]) == 20
    assert [queries(path) for path in paths] == two


def test_an_id_in_other_digits_is_no_record(alice, action):
    assert signed_in(alice).get("/api/families/ALICE-1/plan-actions/٣/").status_code == 404
