"""A small council with one of everything, for the tests that walk every page as every role.

Built through the services (as a social worker, manager or practitioner would make it), once
per test module: see `tests/security/conftest.py`.

The family at the centre, SEC-1 (SASS West 1, social worker alice), is a domestic-abuse case:
Rachel, the mother, has restricted contact details (a refuge address, phone and email); Frank,
the father, is referred to Dads Matter Too (Dan), to the perpetrator programme (Owen) and to
substance use (Kieran); Rachel is referred to the victims' service (Rosa) and mental health
(Maya). Their children Cara (on a child protection plan) and Cody (child in need) complete it.
Rachel also lives, for now, in her sister's household in Chesil (SEC-9, charlie's): one
person in two families, whose restricted details follow her to both.
Everything the pages show of a case (contacts, chronology, plans, a pending closure, group
supervision minutes and actions, DMT work, report runs) exists at least once.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Locality, PartnerAgency, Role, SpecialistPathway, Team, User
from accounts.services import api_token_sign_in, service_account_create
from families.models import ContactKind, Family, LegalStatus, Membership, Person
from families.services import (
    child_status_change,
    chronology_entry_create,
    closure_request_create,
    contact_record,
    family_close,
    family_create,
    membership_add,
    person_create,
    plan_action_create,
    plan_create,
)
from outcomes.models import ReportRun
from outcomes.reports import ReportParameters
from outcomes.services import report_run_execute, report_run_request
from referrals.models import Engagement, GroupProgramme, Pathway, Rag, Referral
from referrals.services import (
    appointment_book,
    consultation_record,
    engagement_attempt_record,
    programme_attendance_record,
    programme_create,
    referral_allocate,
    referral_create,
    referral_engagement_change,
    training_record,
)
from supervision.models import (
    CalendarFeed,
    Discussion,
    Meeting,
    SupervisionAction,
    SupervisionGroup,
)
from supervision.services import (
    ActionInput,
    agenda_set,
    discussion_record,
    group_create,
    leave_add,
    meeting_schedule,
    next_usual_start,
)

from ..factories import PASSWORD, UserFactory

# What must never reach anyone outside the allowlist, on any surface.
RESTRICTED_ADDRESS = "Flat 9, Refuge House, Secretton SE1 9ZZ"
RESTRICTED_PHONE = "07700 900123"
RESTRICTED_EMAIL = "rachel.hidden@refuge.example"
RESTRICTED_VALUES = (
    RESTRICTED_ADDRESS,
    "Refuge House",
    RESTRICTED_PHONE,
    "07700900123",
    RESTRICTED_EMAIL,
)

# Text that marks a response as showing case data: references and names of the world's people.
FAMILY_REFERENCE = "SEC-1"
OTHER_FAMILY_REFERENCE = "SEC-2"
OUTSIDE_FAMILY_REFERENCE = "SEC-9"


REFERRAL_LABELS = {
    "father_dmt": "Frank: DMT (dan)",
    "father_perpetrator": "Frank: perpetrators (owen)",
    "father_substance_use": "Frank: substance use (kieran)",
    "mother_victim": "Rachel: victims (rosa)",
    "mother_mental_health": "Rachel: mental health (maya)",
}


@dataclass
class World:
    users: dict[str, User]
    family: Family
    other_family: Family
    outside_family: Family
    mother: Person
    father: Person
    child: Person
    second_child: Person
    referrals: dict[str, Referral]
    waiting_referral: Referral
    group: SupervisionGroup
    past_meeting: Meeting
    next_meeting: Meeting
    discussion: Discussion
    supervision_action: SupervisionAction
    programme: GroupProgramme
    run: ReportRun
    feed: CalendarFeed
    objects: dict[str, object] = field(default_factory=dict)

    def user(self, name: str) -> User:
        return self.users[name]

    def referral_labels(self) -> list[tuple[str, Referral]]:
        """Each allocated referral with its label: "Frank: DMT (dan)"."""
        return [(REFERRAL_LABELS[key], referral) for key, referral in self.referrals.items()]

    @property
    def case_markers(self) -> list[str]:
        """Strings whose presence in a response means it shows case records."""
        return list(self.coverage())

    def coverage(self) -> dict[str, set[str]]:
        """Each case marker (a family's reference, a person's reference or name, a referral's
        reference), with the references an audit row may name to record that it was read: the
        record itself, its family, its people and their referrals."""
        families = {
            family.pk: family.reference
            for family in Family.objects.filter(reference__startswith="SEC-")
        }
        memberships = list(
            Membership.objects.filter(family_id__in=families).select_related("person")
        )
        people = {membership.person_id: membership.person for membership in memberships}
        families_of: dict[int, set[str]] = {pk: set() for pk in people}
        for membership in memberships:
            families_of[membership.person_id].add(families[membership.family_id])
        referrals = list(Referral.objects.filter(person__in=people).select_related("person"))
        by_family: dict[int, set[str]] = {pk: {reference} for pk, reference in families.items()}
        for membership in memberships:
            by_family[membership.family_id].add(membership.person.reference)
        for referral in referrals:  # a family's people's referrals, wherever they were made
            for membership in memberships:
                if membership.person_id == referral.person_id:
                    by_family[membership.family_id].add(referral.reference)
        covering: dict[str, set[str]] = {}
        for pk, reference in families.items():
            covering[reference] = by_family[pk]
        for person in people.values():
            mine = {person.reference, *families_of[person.pk]}
            mine |= {r.reference for r in referrals if r.person_id == person.pk}
            covering[person.reference] = covering[person.full_name] = mine
        for referral in referrals:
            person = referral.person
            covering[referral.reference] = {
                referral.reference,
                person.reference,
                families[referral.family_id],
            }
        return covering

    @property
    def restricted_readers(self) -> set[str]:
        """Who may read Rachel's restricted details: the social workers and team managers of
        both her families (SEC-1 and SEC-9), the service managers over them, auditors, and
        the practitioners allocated to her (her victims' worker and her mental health
        worker)."""
        return {
            "alice",
            "tina",
            "charlie",
            "chris",
            "sian",
            "simon",
            "sue",
            "audrey",
            "rosa",
            "maya",
        }


# (username, role, extra fields): the cast. `team`/`locality` name the world's own.
CAST = [
    ("alice", Role.SOCIAL_WORKER, {"team": "west"}),
    ("bob", Role.SOCIAL_WORKER, {"team": "west"}),
    ("tina", Role.TEAM_MANAGER, {"team": "west"}),
    ("bella", Role.BUSINESS_SUPPORT, {"team": "west"}),
    ("charlie", Role.SOCIAL_WORKER, {"team": "chesil"}),
    ("chris", Role.TEAM_MANAGER, {"team": "chesil"}),
    ("sian", Role.SERVICE_MANAGER, {"locality": "west"}),
    ("simon", Role.SERVICE_MANAGER, {"locality": "chesil"}),
    ("sue", Role.SERVICE_MANAGER, {}),
    ("audrey", Role.AUDITOR, {}),
    ("adam", Role.ADMIN, {}),
    ("dan", Role.SPECIALIST, {"pathway": SpecialistPathway.DMT, "locality": "west"}),
    (
        "nadia",
        Role.SPECIALIST,
        {"pathway": SpecialistPathway.DMT, "locality": "west", "leads_pathway": True},
    ),
    (
        "rosa",
        Role.SPECIALIST,
        {"pathway": SpecialistPathway.DOMESTIC_ABUSE_VICTIM, "locality": "west"},
    ),
    (
        "owen",
        Role.SPECIALIST,
        {"pathway": SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR, "locality": "west"},
    ),
    ("kieran", Role.SPECIALIST, {"pathway": SpecialistPathway.SUBSTANCE_USE, "locality": "west"}),
    ("maya", Role.SPECIALIST, {"pathway": SpecialistPathway.MENTAL_HEALTH, "locality": "west"}),
    ("mo", Role.SPECIALIST, {"pathway": SpecialistPathway.MENTAL_HEALTH, "locality": "chesil"}),
    ("ivy", Role.BUSINESS_SUPPORT, {"team": "chesil", "can_import_cases": True}),
]


# Who each member of the cast is to the world's records, for the permission matrix.
DESCRIPTIONS = {
    "alice": "social worker, West team: SEC-1 and SEC-2 are hers (the owner)",
    "bob": "social worker, West team: alice's colleague",
    "tina": "team manager, West team: chairs its group supervision",
    "bella": "business support, West team: minutes the group",
    "charlie": "social worker, Chesil team: an outsider (SEC-9, where Rachel also lives, is his)",
    "chris": "team manager, Chesil team: an outsider",
    "sian": "service manager for West",
    "simon": "service manager for Chesil: an outsider to West",
    "sue": "service manager for the whole council",
    "audrey": "auditor",
    "adam": "administrator",
    "dan": "DMT practitioner: Frank is allocated to him",
    "nadia": "DMT pathway manager",
    "rosa": "domestic abuse (victims) practitioner: Rachel is allocated to her",
    "owen": "domestic abuse (perpetrators) practitioner: Frank is allocated to him",
    "kieran": "substance use practitioner: Frank is allocated to him",
    "maya": "mental health practitioner: Rachel is allocated to her",
    "mo": "mental health practitioner in Chesil: nobody of SEC-1 is allocated to him",
    "ivy": "business support, Chesil team, who may import cases (data migration)",
}


def build_world() -> World:
    today = timezone.localdate()
    west = Locality.objects.create(name="World West", child_population=10000)
    chesil = Locality.objects.create(name="World Chesil", child_population=8000)
    teams = {
        "west": Team.objects.create(name="World SASS West", locality=west),
        "chesil": Team.objects.create(name="World SASS Chesil", locality=chesil),
    }
    localities = {"west": west, "chesil": chesil}
    agency = PartnerAgency.objects.create(name="World Partner Charity")
    users: dict[str, User] = {}
    for username, role, extra in CAST:
        fields = dict(extra)
        if "team" in fields:
            fields["team"] = teams[fields["team"]]
        if "locality" in fields:
            fields["locality"] = localities[fields["locality"]]
        if role == Role.SPECIALIST:
            fields.setdefault("agency", agency)
            fields.setdefault("fte", Decimal("1"))
        users[username] = UserFactory(
            username=username,
            first_name=username.capitalize(),
            last_name="Staff",
            role=role,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
            password=PASSWORD,
            **fields,
        )
    alice, tina = users["alice"], users["tina"]
    opened = today - datetime.timedelta(days=200)

    family = family_create(
        reference=FAMILY_REFERENCE,
        locality=west,
        team=teams["west"],
        social_worker=alice,
        cohort="World cohort",
        opened_on=opened,
        acting_user=alice,
    )
    mother = person_create(
        family=family,
        acting_user=alice,
        role=Membership.Role.MOTHER,
        given_name="Rachel",
        family_name="Wellstead",
        date_of_birth=datetime.date(1994, 3, 2),
        sex=Person.Sex.FEMALE,
        address=RESTRICTED_ADDRESS,
        phone=RESTRICTED_PHONE,
        email=RESTRICTED_EMAIL,
        contact_restricted=True,
    )
    father = person_create(
        family=family,
        acting_user=alice,
        role=Membership.Role.FATHER,
        given_name="Frank",
        family_name="Wellstead",
        date_of_birth=datetime.date(1990, 7, 14),
        sex=Person.Sex.MALE,
        phone="07700 900456",
        address="12 Harbour Road, Weymouth",
        care_experienced=True,
    )
    child = person_create(
        family=family,
        acting_user=alice,
        role=Membership.Role.CHILD,
        given_name="Cara",
        family_name="Wellstead",
        date_of_birth=today - datetime.timedelta(days=300),
        sex=Person.Sex.FEMALE,
        father=father,
    )
    second_child = person_create(
        family=family,
        acting_user=alice,
        role=Membership.Role.CHILD,
        given_name="Cody",
        family_name="Wellstead",
        date_of_birth=today - datetime.timedelta(days=2000),
        sex=Person.Sex.MALE,
        father=father,
    )
    child_status_change(child=child, status=LegalStatus.CP, start_date=opened, acting_user=alice)
    child_status_change(
        child=second_child, status=LegalStatus.CIN, start_date=opened, acting_user=alice
    )
    contact_record(
        family=family,
        occurred_at=timezone.now() - datetime.timedelta(days=3),
        kind=ContactKind.HOME_VISIT,
        note="Saw Cara at home with her mother.",
        people_seen=[mother, child],
        children_seen_alone=[],
        significant=True,
        chronology_summary="Home visit: Cara seen.",
        acting_user=alice,
    )
    chronology_entry_create(
        family=family,
        occurred_on=today - datetime.timedelta(days=20),
        summary="Strategy discussion held.",
        acting_user=alice,
    )
    plan = plan_create(
        child=child,
        kind=LegalStatus.CP,
        started_on=opened,
        review_on=today + datetime.timedelta(days=10),
        acting_user=alice,
    )
    plan_action = plan_action_create(
        plan=plan,
        description="Safety plan reviewed with mum",
        due_on=today + datetime.timedelta(days=7),
        owner_worker=alice,
        acting_user=alice,
    )

    other_family = family_create(
        reference=OTHER_FAMILY_REFERENCE,
        locality=west,
        team=teams["west"],
        social_worker=alice,
        opened_on=opened,
        acting_user=alice,
    )
    other_father = person_create(
        family=other_family,
        acting_user=alice,
        role=Membership.Role.FATHER,
        given_name="Gareth",
        family_name="Pine",
        date_of_birth=datetime.date(1999, 1, 5),
        sex=Person.Sex.MALE,
    )
    other_child = person_create(
        family=other_family,
        acting_user=alice,
        role=Membership.Role.CHILD,
        given_name="Gwen",
        family_name="Pine",
        date_of_birth=today - datetime.timedelta(days=150),
        father=other_father,
    )
    child_status_change(
        child=other_child, status=LegalStatus.CP, start_date=opened, acting_user=alice
    )
    closure = closure_request_create(
        family=other_family,
        closing_on=today,
        reason="stepped_down_universal",
        acting_user=alice,
    )

    outside_family = family_create(
        reference=OUTSIDE_FAMILY_REFERENCE,
        locality=chesil,
        team=teams["chesil"],
        social_worker=users["charlie"],
        opened_on=opened,
        acting_user=users["charlie"],
    )
    outside_child = person_create(
        family=outside_family,
        acting_user=users["charlie"],
        role=Membership.Role.CHILD,
        given_name="Olive",
        family_name="Outside",
        date_of_birth=today - datetime.timedelta(days=900),
    )
    child_status_change(
        child=outside_child, status=LegalStatus.CIN, start_date=opened, acting_user=users["charlie"]
    )
    membership_add(
        person=mother,
        family=outside_family,
        role=Membership.Role.OTHER_ADULT,
        joined_on=today - datetime.timedelta(days=30),
        acting_user=users["charlie"],
    )

    # A West family closed last month, the one a re-referral reopens (SEC-0: "SEC-10" would
    # hold the marker "SEC-1").
    closed_family = family_create(
        reference="SEC-0",
        locality=west,
        team=teams["west"],
        social_worker=alice,
        opened_on=opened,
        acting_user=alice,
    )
    family_close(
        family=closed_family,
        closed_on=today - datetime.timedelta(days=30),
        closure_reason="Stepped down to universal services",
        acting_user=tina,
    )

    # Specialist referrals: the father to three pathways, the mother to two.
    pathways = {pathway.code: pathway for pathway in Pathway.objects.all()}
    referred_on = today - datetime.timedelta(days=30)
    referrals: dict[str, Referral] = {}
    for key, person, code, practitioner in [
        ("father_dmt", father, "dmt", "dan"),
        ("father_perpetrator", father, "domestic_abuse_perpetrator", "owen"),
        ("father_substance_use", father, "substance_use", "kieran"),
        ("mother_victim", mother, "domestic_abuse_victim", "rosa"),
        ("mother_mental_health", mother, "mental_health", "maya"),
    ]:
        referral = referral_create(
            person=person,
            family=family,
            pathway=pathways[code],
            referred_on=referred_on,
            rag=Rag.RED,
            reason="World referral.",
            eligibility_override="World: agreed with the pathway manager.",
            acting_user=alice,
        )
        referrals[key] = referral_allocate(
            referral=referral,
            practitioner=users[practitioner],
            allocated_on=referred_on + datetime.timedelta(days=1),
            accept_over_capacity=True,
            acting_user=users[practitioner],
        )
        engagement_attempt_record(
            referral=referrals[key],
            attempted_on=referred_on + datetime.timedelta(days=2),
            method="phone",
            outcome="no_reply",
            acting_user=users[practitioner],
        )
        appointment_book(
            referral=referrals[key],
            starts_at=timezone.now() + datetime.timedelta(days=1),
            acting_user=users[practitioner],
        )
    # Six more fathers of the West team, engaged with Dads Matter Too: enough that the
    # outcome figures the walk drills into are shown, not suppressed as "<5".
    for number in range(3, 9):
        engaged_family = family_create(
            reference=f"SEC-{number}",
            locality=west,
            team=teams["west"],
            social_worker=alice,
            cohort="World cohort",
            opened_on=opened,
            acting_user=alice,
        )
        engaged_father = person_create(
            family=engaged_family,
            acting_user=alice,
            role=Membership.Role.FATHER,
            given_name=f"Father{number}",
            family_name="Engaged",
            sex=Person.Sex.MALE,
        )
        engaged = referral_allocate(
            referral=referral_create(
                person=engaged_father,
                family=engaged_family,
                pathway=pathways["dmt"],
                referred_on=referred_on,
                eligibility_override="World: agreed.",
                acting_user=alice,
            ),
            practitioner=users["dan"],
            allocated_on=referred_on,
            accept_over_capacity=True,
            acting_user=users["dan"],
        )
        referral_engagement_change(
            referral=engaged,
            engagement=Engagement.ENGAGED,
            changed_on=referred_on + datetime.timedelta(days=3),
            acting_user=users["dan"],
        )
    waiting_referral = referral_create(
        person=other_father,
        family=other_family,
        pathway=pathways["dmt"],
        referred_on=referred_on,
        rag=Rag.AMBER,
        reason="World waiting referral.",
        eligibility_override="World: agreed.",
        acting_user=alice,
    )

    # Dads Matter Too work.
    consultation_record(
        given_on=today - datetime.timedelta(days=5),
        team=teams["west"],
        topic="Engaging a father who works nights",
        minutes=30,
        social_worker=alice,
        acting_user=users["dan"],
    )
    training_record(
        delivered_on=today - datetime.timedelta(days=8),
        audience="SASS West social workers",
        attendees=9,
        acting_user=users["dan"],
    )
    programme = programme_create(
        name="Lads to Dads (World)",
        pathway=pathways["dmt"],
        delivery="in_person",
        starts_on=today - datetime.timedelta(days=14),
        themes=["Being a dad", "Relationships", "Mental health"],
        locality=west,
        acting_user=users["nadia"],
    )
    programme_attendance_record(
        session=programme.sessions.order_by("number").first(),
        person=father,
        acting_user=users["dan"],
    )

    # Group supervision: a past meeting minuted for SEC-1 and the next one with its agenda.
    group = group_create(
        team=teams["west"],
        chair=tina,
        weekday=SupervisionGroup.Weekday.TUESDAY,
        starts_at=datetime.time(10, 0),
        location="Room 2",
        acting_user=tina,
    )
    group.members.add(users["dan"], users["rosa"], users["owen"], users["kieran"], users["maya"])
    past_meeting = Meeting.objects.create(
        group=group,
        starts_at=timezone.now() - datetime.timedelta(days=7),
        length_minutes=group.length_minutes,
        location=group.location,
    )
    past_meeting = agenda_set(
        meeting=past_meeting,
        families=[(family, "Red"), (other_family, "New allocation")],
        expected_version=past_meeting.version,
        acting_user=tina,
    )
    discussion = discussion_record(
        meeting=past_meeting,
        family=family,
        present=[tina, alice, users["bella"], users["dan"]],
        child_safety_rag=Rag.RED,
        analysis="Frank is engaging with DMT.",
        decisions="Continue the plan.",
        stages={father: "contemplation"},
        actions=[
            ActionInput(
                "Joint visit with the DMT worker", alice, today + datetime.timedelta(days=3)
            )
        ],
        acting_user=users["bella"],
    )
    next_meeting = meeting_schedule(
        group=group, starts_at=next_usual_start(group, timezone.now()), acting_user=tina
    )
    next_meeting = agenda_set(
        meeting=next_meeting,
        families=[(family, "Red; due every 7 days")],
        expected_version=next_meeting.version,
        acting_user=tina,
    )
    leave_add(
        user=alice,
        starts_on=today + datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=34),
        note="Annual leave",
        acting_user=alice,
    )
    feed, _ = CalendarFeed.objects.get_or_create(user=alice)

    run = report_run_request(
        report="engagement",
        params=ReportParameters.parse(as_of=today, pathway="dmt"),
        by="team",
        acting_user=users["sue"],
    )
    # The task is queued on commit, which the world's transaction never reaches: run it here.
    report_run_execute(run)
    run.refresh_from_db()

    # The API's tokens: one of alice's, and a partner's system (a service account, not in the
    # cast: it cannot sign in to pages, so it walks nothing) with its own.
    alice_token = api_token_sign_in(
        request=RequestFactory().post("/api/auth/token/"),
        username="alice",
        password=PASSWORD,
        name="alice's script",
    ).token
    service_account = User(
        username="world-partner-dmt",
        first_name="World partner system",
        pathway=SpecialistPathway.DMT,
        agency=agency,
    )
    service_account_create(account=service_account, acting_user=users["adam"])

    return World(
        users=users,
        family=family,
        other_family=other_family,
        outside_family=outside_family,
        mother=mother,
        father=father,
        child=child,
        second_child=second_child,
        referrals=referrals,
        waiting_referral=waiting_referral,
        group=group,
        past_meeting=past_meeting,
        next_meeting=next_meeting,
        discussion=discussion,
        supervision_action=SupervisionAction.objects.get(discussion=discussion),
        programme=programme,
        run=run,
        feed=feed,
        objects={
            "plan": plan,
            "plan_action": plan_action,
            "closure": closure,
            "other_father": other_father,
            "outside_child": outside_child,
            "closed_family": closed_family,
            "alice_token": alice_token,
            "service_account": service_account,
        },
    )
