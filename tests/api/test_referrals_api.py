"""The referrals API (referrals/api.py): what each role reads, referring, and the work a
practitioner records, each through the services the pages use.

Dean, a father of alice's family (ALICE-1, where Amy is on a child protection plan), is
referred to Dads Matter Too and allocated to dan. dora is another DMT worker, lena the DMT
pathway manager; bob is alice's teammate and charlie another team's social worker."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent, Role, SpecialistPathway, User
from dmt.api.problems import PROBLEM_CONTENT_TYPE
from dmt.errors import EditConflict
from families.models import Family, LegalStatus, Membership, Person, StatusEpisode
from referrals.models import (
    Appointment,
    EngagementAttempt,
    MeasureReading,
    Pathway,
    Referral,
    ReferralReview,
)
from referrals.services import (
    appointment_book,
    referral_allocate,
    referral_create,
    referral_engagement_change,
    referral_stage_change,
)

from ..conftest import signed_in
from ..factories import FamilyFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

REFERRED = datetime.date(2024, 5, 1)
ALLOCATED = datetime.date(2024, 5, 2)
TODAY = datetime.date(2024, 6, 1)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """The services' "today", fixed so the dates below stay in the past."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def specialist(username: str, pathway: str = SpecialistPathway.DMT, **fields) -> User:
    return UserFactory(username=username, role=Role.SPECIALIST, pathway=pathway, **fields)


@pytest.fixture
def dan(db) -> User:
    return specialist("dan")


@pytest.fixture
def dora(db) -> User:
    return specialist("dora")


@pytest.fixture
def lena(db) -> User:
    return specialist("lena", leads_pathway=True)


@pytest.fixture
def family(alice) -> Family:
    return FamilyFactory(
        reference="ALICE-1", team=alice.team, social_worker=alice, opened_on=REFERRED
    )


@pytest.fixture
def amy(family) -> Person:
    child = PersonFactory(
        family=family,
        reference="P-AMY",
        given_name="Amy",
        family_name="Smith",
        date_of_birth=datetime.date(2023, 6, 1),
    )
    StatusEpisode.objects.create(
        child=child, status=LegalStatus.CP, start_date=datetime.date(2024, 1, 10)
    )
    return child


@pytest.fixture
def dean(family, amy) -> Person:
    return PersonFactory(
        family=family,
        reference="P-DEAN",
        role=Membership.Role.FATHER,
        given_name="Dean",
        family_name="Smith",
        date_of_birth=datetime.date(1995, 4, 4),
        phone="07700 900555",
        address="5 Harbour Road, Weymouth",
    )


def refer(person: Person, family: Family, by: User, to: User, code: str = "dmt") -> Referral:
    referral = referral_create(
        person=person,
        family=family,
        pathway=Pathway.objects.get(code=code),
        referred_on=REFERRED,
        reason="Dad wants to be involved.",
        eligibility_override="Agreed with the pathway manager.",
        acting_user=by,
    )
    return referral_allocate(
        referral=referral,
        practitioner=to,
        allocated_on=ALLOCATED,
        accept_over_capacity=True,
        acting_user=by,
    )


@pytest.fixture
def referral(alice, dan, family, dean) -> Referral:
    return refer(dean, family, alice, dan)


def url(referral: Referral, part: str = "") -> str:
    return f"/api/referrals/{referral.reference}/" + (f"{part}/" if part else "")


def post(client, path: str, data: dict, etag: str | None = None, method: str = "post"):
    headers = {"If-Match": etag} if etag else {}
    return getattr(client, method)(
        path, data=data, content_type="application/json", headers=headers
    )


def pointers(response) -> list[str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    return sorted(error["pointer"] for error in response.json()["errors"])


def audit_rows(user: User, action: str) -> list[tuple[str, str]]:
    return sorted(
        AuditEvent.objects.filter(actor=user, action=action).values_list(
            "object_type", "object_reference"
        )
    )


def state(referral: Referral) -> tuple:
    """What the API may change about a referral, to show nothing did."""
    return (
        Referral.objects.filter(pk=referral.pk).values().get(),
        referral.stage_changes.count(),
        referral.engagement_changes.count(),
        referral.attempts.count(),
        list(Appointment.objects.filter(referral=referral).values_list("outcome", "version")),
        referral.reviews.count(),
        MeasureReading.objects.filter(person_id=referral.person_id).count(),
        AuditEvent.objects.exclude(action=AuditEvent.Action.VIEW).count(),
    )


# Reading ----------------------------------------------------------------------------------


def test_the_practitioner_reads_his_referral_by_reference_with_its_values(dan, referral):
    response = signed_in(dan).get(url(referral))

    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    data = response.json()
    assert "id" not in data
    assert {key: data[key] for key in ("reference", "pathway", "stage", "practitioner")} == {
        "reference": referral.reference,
        "pathway": "dmt",
        "stage": "allocated",
        "practitioner": "dan",
    }
    assert (data["referred_on"], data["allocated_on"], data["referred_by"]) == (
        "2024-05-01",
        "2024-05-02",
        "alice",
    )
    assert data["person"] == {
        "reference": "P-DEAN",
        "role": "father",
        "given_name": "Dean",
        "family_name": "Smith",
        "date_of_birth": "1995-04-04",
        "address": "5 Harbour Road, Weymouth",
        "phone": "07700 900555",
        "email": "",
    }
    assert data["family"] == {
        "reference": "ALICE-1",
        "people": [
            {
                "reference": "P-AMY",
                "role": "child",
                "given_name": "Amy",
                "family_name": "Smith",
                "date_of_birth": "2023-06-01",
                "address": None,
                "phone": None,
                "email": None,
            }
        ],
    }
    assert audit_rows(dan, AuditEvent.Action.VIEW) == [
        ("families.family", "ALICE-1"),
        ("referrals.referral", referral.reference),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("dan", 200),  # the owner: allocated to him
        ("lena", 200),  # his pathway manager
        ("alice", 200),  # the family's social worker
        ("bob", 200),  # her teammate: the team's families
        ("dora", 404),  # a DMT colleague not allocated
        ("charlie", 404),  # another team's social worker
    ],
)
def test_who_reads_a_referral(request, referral, who, status):
    client = signed_in(request.getfixturevalue(who))

    detail = client.get(url(referral))
    listing = client.get("/api/referrals/").json()

    assert detail.status_code == status
    expected = [referral.reference] if status == 200 else []
    assert [row["reference"] for row in listing["results"]] == expected


def test_the_list_is_filtered_and_cursor_paginated(alice, dan, family, referral):
    mum = PersonFactory(family=family, role=Membership.Role.MOTHER, given_name="Mia")
    kieran = specialist("kieran", SpecialistPathway.SUBSTANCE_USE)
    hers = refer(mum, family, alice, kieran, code="substance_use")
    client = signed_in(alice)

    def references(query: str) -> list[str]:
        response = client.get(f"/api/referrals/?{query}")
        assert response.status_code == 200, response.content
        return [row["reference"] for row in response.json()["results"]]

    assert references("") == [referral.reference, hers.reference]
    assert references("pathway=substance_use") == [hers.reference]
    assert references("practitioner=dan") == [referral.reference]
    assert references("stage=allocated&status=open") == [referral.reference, hers.reference]
    assert references("status=closed") == []
    assert references("referred_from=2024-05-01&referred_to=2024-05-01") == [
        referral.reference,
        hers.reference,
    ]
    assert references("referred_from=2024-05-02") == []
    first = client.get("/api/referrals/?page_size=1").json()
    assert "count" not in first and [row["reference"] for row in first["results"]] == [
        referral.reference
    ]
    second = client.get(first["next"]).json()
    assert [row["reference"] for row in second["results"]] == [hers.reference]
    assert pointers(client.get("/api/referrals/?referred_from=2024-02-30")) == ["#/referred_from"]
    assert pointers(client.get("/api/referrals/?status=maybe")) == ["#/status"]


def test_the_list_costs_the_same_queries_for_2_and_20_referrals(alice, dan, family, dean):
    def count(size: int) -> int:
        Referral.objects.all().delete()
        for _ in range(size):
            adult = PersonFactory(family=family, role=Membership.Role.OTHER_ADULT)
            refer(adult, family, alice, dan)
        client = signed_in(dan)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/referrals/")
        assert len(response.json()["results"]) == size
        return len(queries)

    assert count(2) == count(20)


# Restricted details ------------------------------------------------------------------------


def test_the_perpetrators_worker_never_receives_the_victims_restricted_details(
    alice, family, dean, amy
):
    mia = PersonFactory(
        family=family,
        role=Membership.Role.MOTHER,
        given_name="Mia",
        address="1 Safe Street",
        phone="07700 900001",
        email="safe@example.org",
        contact_restricted=True,
    )
    perry = specialist("perry", SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR)
    vicky = specialist("vicky", SpecialistPathway.DOMESTIC_ABUSE_VICTIM)
    his = refer(dean, family, alice, perry, code="domestic_abuse_perpetrator")
    hers = refer(mia, family, alice, vicky, code="domestic_abuse_victim")
    client = signed_in(perry)

    listing = client.get("/api/referrals/")
    detail = client.get(url(his))
    changed = post(
        client,
        url(his, "engagement"),
        {"engagement": "engaged", "changed_on": "2024-05-20"},
        detail["ETag"],
    )

    assert client.get(url(hers)).status_code == 404
    for response in (listing, detail, changed):
        assert response.status_code == 200
        text = response.content.decode()
        assert "Safe Street" not in text and "900001" not in text and "safe@" not in text
    people = {p["given_name"]: p for p in changed.json()["family"]["people"]}
    assert {key: people["Mia"][key] for key in ("address", "phone", "email")} == {
        "address": "Restricted",
        "phone": "Restricted",
        "email": "Restricted",
    }
    # Her own worker reads them.
    assert signed_in(vicky).get(url(hers)).json()["person"]["address"] == "1 Safe Street"


# Referring --------------------------------------------------------------------------------


def refer_body(**changes) -> dict:
    return {
        "person": "P-DEAN",
        "family": "ALICE-1",
        "pathway": "dmt",
        "referred_on": "2024-05-20",
        "rag": "red",
        "areas_of_need": ["parenting"],
        "reason": "Dad wants to be involved.",
        **changes,
    }


def test_a_social_worker_refers_and_gets_the_referral_with_its_address(alice, dean):
    response = post(signed_in(alice), "/api/referrals/", refer_body())

    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert response["Location"] == f"/api/referrals/{referral.reference}/"
    data = response.json()
    assert (data["reference"], data["pathway"], data["stage"], data["rag"]) == (
        referral.reference,
        "dmt",
        "referral",
        "red",
    )
    assert (data["person"]["reference"], data["family"]["reference"]) == ("P-DEAN", "ALICE-1")
    assert (referral.person, referral.referred_by, referral.areas_of_need) == (
        dean,
        alice,
        ["parenting"],
    )
    assert audit_rows(alice, AuditEvent.Action.CREATE) == [
        ("referrals.referral", referral.reference)
    ]


@pytest.mark.parametrize(
    ("who", "status"), [("dan", 403), ("charlie", 400)], ids=["a practitioner", "outsider"]
)
def test_only_the_familys_team_refers(request, dean, who, status):
    response = post(signed_in(request.getfixturevalue(who)), "/api/referrals/", refer_body())

    assert response.status_code == status
    if status == 400:  # another team's family is not one the user may see
        assert pointers(response) == ["#/family"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"referred_on": "2024-02-30", "reason": ""}, ["#/reason", "#/referred_on"]),
        ({"pathway": "astrology"}, ["#/pathway"]),
        ({"person": "P-NOBODY"}, ["#/person"]),
        ({"person": "P-AMY"}, ["#/person"]),  # a child
        ({"referred_on": "2024-06-02"}, ["#/referred_on"]),  # the future
        ({"areas_of_need": ["gardening"]}, ["#/areas_of_need/0"]),
    ],
)
def test_bad_input_is_a_problem_with_pointers_and_nothing_is_written(
    alice, dean, changes, expected
):
    client = signed_in(alice)
    before = AuditEvent.objects.count()

    response = post(client, "/api/referrals/", refer_body(**changes))

    assert pointers(response) == expected
    assert not Referral.objects.exists()
    assert AuditEvent.objects.count() == before


def test_outside_the_criteria_each_one_not_met_is_listed_at_the_override(alice, dean, amy):
    StatusEpisode.objects.all().delete()  # Amy no longer on a plan: DMT's rule not met

    refused = post(signed_in(alice), "/api/referrals/", refer_body())
    agreed = post(signed_in(alice), "/api/referrals/", refer_body(eligibility_override="Agreed."))

    assert pointers(refused) == ["#/eligibility_override"]
    assert "No child is currently on" in refused.json()["detail"]
    assert agreed.status_code == 201
    assert agreed.json()["eligibility_override"] == "Agreed."


# Changing the referral: If-Match ------------------------------------------------------------


def test_a_stage_change_needs_the_referrals_etag_and_answers_with_the_new_one(dan, referral):
    client = signed_in(dan)
    etag = client.get(url(referral))["ETag"]
    before = state(referral)
    body = {"stage": "intervention", "changed_on": "2024-05-10"}

    missing = post(client, url(referral, "stage"), body)
    wrong = post(client, url(referral, "stage"), body, '"not-the-tag"')
    assert (missing.status_code, wrong.status_code) == (428, 412)
    assert missing.json()["type"] == "/api/#problem-precondition-required"
    assert state(referral) == before

    response = post(client, url(referral, "stage"), body, etag)

    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "intervention"
    assert response["ETag"] != etag
    assert response["ETag"] == client.get(url(referral))["ETag"]
    referral.refresh_from_db()
    assert referral.stage.code == "intervention"
    assert (
        AuditEvent.objects.filter(
            actor=dan, action=AuditEvent.Action.UPDATE, object_reference=referral.reference
        ).count()
        == 1
    )
    again = post(client, url(referral, "stage"), {**body, "stage": "referral"}, etag)
    assert again.status_code == 412  # the old tag is spent


def test_a_change_someone_made_since_the_read_is_never_overwritten(dan, lena, referral):
    client = signed_in(dan)
    etag = client.get(url(referral))["ETag"]
    referral_engagement_change(
        referral=referral, engagement="engaged", changed_on=TODAY, acting_user=lena
    )
    before = state(referral)

    response = post(
        client, url(referral, "stage"), {"stage": "intervention", "changed_on": "2024-05-10"}, etag
    )

    assert response.status_code == 412
    assert response.json()["type"] == "/api/#problem-edit-conflict"
    assert state(referral) == before


def test_the_service_checks_the_version_again_under_its_lock(dan, referral):
    read = referral.version
    referral_engagement_change(
        referral=referral, engagement="engaged", changed_on=TODAY, acting_user=dan
    )

    with pytest.raises(EditConflict):
        referral_stage_change(
            referral=referral,
            stage_code="intervention",
            changed_on=TODAY,
            acting_user=dan,
            expected_version=read,
        )


@pytest.mark.parametrize(
    ("who", "status"), [("alice", 403), ("dora", 404), ("charlie", 404), ("lena", 200)]
)
def test_only_the_practitioner_and_the_pathway_manager_record_the_work(
    request, referral, who, status
):
    client = signed_in(request.getfixturevalue(who))
    etag = client.get(url(referral)).get("ETag")

    response = post(
        client,
        url(referral, "engagement"),
        {"engagement": "engaged", "changed_on": "2024-05-10"},
        etag,
    )

    assert response.status_code == status
    referral.refresh_from_db()
    assert referral.engagement == ("engaged" if status == 200 else "new")


def test_engagement_review_and_closure(dan, referral):
    client = signed_in(dan)

    engaged = post(
        client,
        url(referral, "engagement"),
        {"engagement": "inconsistent", "changed_on": "2024-05-10"},
        client.get(url(referral))["ETag"],
    )
    reviewed = post(
        client,
        url(referral, "review"),
        {"reviewed_on": "2024-05-20", "summary": "Going well.", "next_review_on": "2024-08-12"},
        engaged["ETag"],
    )
    bad = post(
        client,
        url(referral, "close"),
        {"closed_on": "2024-04-01", "reason": "moon", "outcome": ""},
        reviewed["ETag"],
    )
    closed = post(
        client,
        url(referral, "close"),
        {"closed_on": "2024-05-31", "reason": "completed", "outcome": "Sees his son weekly."},
        reviewed["ETag"],
    )

    assert engaged.json()["engagement"] == "inconsistent"
    assert reviewed.json()["next_review_on"] == "2024-08-12"
    assert ReferralReview.objects.get().summary == "Going well."
    assert pointers(bad) == ["#/outcome", "#/reason"]
    assert closed.status_code == 200, closed.content
    assert (closed.json()["closed_on"], closed.json()["closure_code"]) == (
        "2024-05-31",
        "completed",
    )
    assert (closed.json()["stage"], closed.json()["outcome"]) == ("closed", "Sees his son weekly.")
    # Closed, the work is over: no more changes, even with the current tag.
    after = post(
        client,
        url(referral, "review"),
        {"reviewed_on": "2024-05-31", "summary": "x"},
        closed["ETag"],
    )
    assert after.status_code == 403


def test_a_services_refusal_points_at_the_field_and_writes_nothing(dan, referral):
    client = signed_in(dan)
    before = state(referral)

    response = post(
        client,
        url(referral, "review"),
        {"reviewed_on": "2024-04-01", "summary": "Before the referral."},
        client.get(url(referral))["ETag"],
    )

    assert pointers(response) == ["#/reviewed_on"]
    assert state(referral) == before


# The records of the work ------------------------------------------------------------------


def test_an_attempt_is_recorded_and_listed(dan, referral):
    client = signed_in(dan)

    response = post(
        client,
        url(referral, "attempts"),
        {"attempted_on": "2024-05-03", "method": "phone", "outcome": "no_reply", "note": "Late."},
    )
    refused = post(
        client, url(referral, "attempts"), {"attempted_on": "2024-05-03", "method": "pigeon"}
    )

    assert response.status_code == 201, response.content
    attempt = EngagementAttempt.objects.get()
    assert response["Location"] == url(referral, f"attempts/{attempt.pk}")
    assert response.json() == {
        "id": str(attempt.pk),
        "attempted_on": "2024-05-03",
        "method": "phone",
        "outcome": "no_reply",
        "note": "Late.",
        "recorded_by": "dan",
    }
    assert pointers(refused) == ["#/method", "#/outcome"]
    assert EngagementAttempt.objects.count() == 1
    listed = client.get(url(referral, "attempts")).json()
    assert [row["id"] for row in listed["results"]] == [str(attempt.pk)]
    assert client.get(response["Location"]).json()["note"] == "Late."
    assert ("referrals.referral", referral.reference) in audit_rows(dan, AuditEvent.Action.VIEW)
    # Someone who may read the referral but not record the work reads the attempts only.
    alice_client = signed_in(referral.referred_by)
    assert alice_client.get(url(referral, "attempts")).status_code == 200
    denied = post(
        alice_client,
        url(referral, "attempts"),
        {"attempted_on": "2024-05-03", "method": "phone", "outcome": "no_reply"},
    )
    assert denied.status_code == 403


def test_an_appointments_outcome_needs_its_etag(dan, referral):
    client = signed_in(dan)
    booked = post(
        client,
        url(referral, "appointments"),
        {"starts_at": "2024-05-30T14:30:00Z", "minutes": 45},
    )
    assert booked.status_code == 201, booked.content
    location = booked["Location"]
    etag = client.get(location)["ETag"]

    missing = PATCH(client, location, {"outcome": "attended"})
    attended = PATCH(client, location, {"outcome": "attended"}, etag)
    stale = PATCH(client, location, {"outcome": "did_not_attend"}, etag)

    assert booked.json()["minutes"] == 45 and booked.json()["practitioner"] == "dan"
    assert missing.status_code == 428
    assert attended.status_code == 200 and attended.json()["outcome"] == "attended"
    assert stale.status_code == 412
    appointment = Appointment.objects.get()
    assert (appointment.outcome, appointment.version) == ("attended", 2)


def test_an_appointment_yet_to_happen_cannot_have_been_attended(dan, referral):
    future = appointment_book(
        referral=referral,
        starts_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3),
        acting_user=dan,
    )
    client = signed_in(dan)
    path = url(referral, f"appointments/{future.pk}")

    response = PATCH(client, path, {"outcome": "attended"}, client.get(path)["ETag"])

    assert pointers(response) == ["#/outcome"]
    future.refresh_from_db()
    assert (future.outcome, future.version) == ("booked", 1)


def PATCH(client, path: str, data: dict, etag: str | None = None):  # noqa: N802
    return post(client, path, data, etag, method="patch")


PHQ9 = {f"phq9_{n}": 1 for n in range(1, 10)}


def test_a_phq9_reading_is_scored_as_the_page_scores_it(dan, referral):
    client = signed_in(dan)

    response = post(
        client,
        url(referral, "readings"),
        {"measure": "phq-9", "taken_on": "2024-05-20", "scores": {**PHQ9, "phq9_1": 3}},
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["measure"], data["total"], data["band"], data["needs_action"]) == (
        "phq-9",
        11,
        "Moderate",
        True,  # item 9 (self-harm) scored above 0
    )
    assert data["alert"].startswith("Thoughts of self-harm were reported")
    assert data["scores"]["phq9_1"] == 3
    reading = MeasureReading.objects.get()
    assert (reading.person_id, reading.total, reading.recorded_by) == (
        referral.person_id,
        11,
        dan,
    )
    assert audit_rows(dan, AuditEvent.Action.CREATE) == [("referrals.measurereading", "")]
    listed = client.get(url(referral, "readings")).json()["results"]
    assert [(row["measure"], row["total"]) for row in listed] == [("phq-9", 11)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"measure": "phq-9", "scores": {**PHQ9, "phq9_3": 4}}, ["#/scores/phq9_3"]),
        ({"measure": "phq-9", "scores": {**PHQ9, "phq9_3": "x"}}, ["#/scores/phq9_3"]),
        ({"measure": "phq-9", "scores": {**PHQ9, "phq9_3": True}}, ["#/scores/phq9_3"]),
        ({"measure": "phq-9", "scores": {**PHQ9, "extra": 1}}, ["#/scores"]),
        ({"measure": "astrology", "scores": PHQ9}, ["#/measure"]),
    ],
    ids=["out-of-scale", "not-a-number", "a-boolean", "unknown-item", "unknown-measure"],
)
def test_a_bad_reading_is_refused_with_a_pointer_and_nothing_written(dan, referral, body, expected):
    response = post(signed_in(dan), url(referral, "readings"), {"taken_on": "2024-05-20", **body})

    assert pointers(response) == expected
    assert not MeasureReading.objects.exists()


def test_the_adult_is_placed_on_the_cycle_of_change(dan, referral):
    client = signed_in(dan)

    placed = post(
        client,
        url(referral, "cycle-of-change"),
        {"stage": "contemplation", "recorded_on": "2024-05-20"},
    )
    refused = post(
        client, url(referral, "cycle-of-change"), {"stage": "denial", "recorded_on": "2024-06-02"}
    )

    assert placed.status_code == 201, placed.content
    assert {key: placed.json()[key] for key in ("stage", "recorded_on", "source")} == {
        "stage": "contemplation",
        "recorded_on": "2024-05-20",
        "source": "practitioner",
    }
    assert pointers(refused) == ["#/stage"]
    listed = client.get(url(referral, "cycle-of-change")).json()["results"]
    assert [(row["stage"], row["recorded_by"]) for row in listed] == [("contemplation", "dan")]
