"""Seeds a fictional demo council: localities, teams, agencies, staff and about 60 families.

Among them, a father with children in two households (one person, a member of both, referred
to Dads Matter Too from one of them), an unborn baby on a pre-birth child protection plan, a
family closed and referred again two months later, and one transferred from another team
with a handover note.

Idempotent: staff are brought up to date (and given the password) on every run; families that
already exist are left as they are. Refuses to run unless DEBUG is on, so it can never touch a
live council's records.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import Locality, PartnerAgency, Role, SpecialistPathway, Team, User
from accounts.services import staff_save
from families.models import (
    ClosureRequest,
    ContactKind,
    Family,
    InvolvementPeriod,
    LegalStatus,
    Membership,
    Person,
    PlanAction,
    ReferralSource,
    Relationship,
    StatusEpisode,
    Transfer,
)
from families.selectors import fathers_of, members_of
from families.services import (
    child_status_change,
    closure_request_create,
    contact_record,
    family_allocate,
    family_close,
    family_create,
    family_rerefer,
    family_transfer,
    father_inclusion_update,
    membership_add,
    person_create,
    plan_action_create,
    plan_action_update,
    plan_create,
    relationship_add,
)
from referrals.models import Referral
from supervision.models import SupervisionGroup

from ._outcomes_work import OutcomesWork
from ._specialist_work import SpecialistWork
from ._supervision_work import SupervisionWork

LOCALITIES = {"Chesil": 9800, "Dorchester": 7400, "West": 11200, "Purbeck": 6100}
TEAMS = [
    ("SASS Chesil", "Chesil"),
    ("SASS Dorchester", "Dorchester"),
    ("SASS West 1", "West"),
    ("SASS West 2", "West"),
    ("SASS Purbeck", "Purbeck"),
]
AGENCIES = [
    ("Wessex Partnership NHS Trust", PartnerAgency.Kind.NHS_TRUST),
    ("Harbour Recovery Charity", PartnerAgency.Kind.CHARITY),
    ("Safe Horizons Domestic Abuse Service", PartnerAgency.Kind.CHARITY),
    ("South Coast Probation Service", PartnerAgency.Kind.PROBATION),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    pathway: str = ""
    team: str = ""
    locality: str = ""
    agency: str = ""
    leads_pathway: bool = False


# The README lists these; every one logs in with the demo password.
DEMO_USERS = [
    DemoUser("social.worker", "Sam", "Okafor", Role.SOCIAL_WORKER, team="SASS West 1"),
    DemoUser("team.manager", "Priya", "Shah", Role.TEAM_MANAGER, team="SASS West 1"),
    DemoUser("service.manager", "Helen", "Marsh", Role.SERVICE_MANAGER),
    DemoUser("business.support", "Tom", "Reeve", Role.BUSINESS_SUPPORT, team="SASS West 1"),
    DemoUser("auditor", "Grace", "Fellowes", Role.AUDITOR),
    DemoUser("admin", "Alex", "Admin", Role.ADMIN),
    DemoUser(
        "dmt.worker", "Dan", "Hollis", Role.SPECIALIST, SpecialistPathway.DMT, locality="West"
    ),
    DemoUser(
        "dmt.manager",
        "Nadia",
        "Quinn",
        Role.SPECIALIST,
        SpecialistPathway.DMT,
        locality="West",
        leads_pathway=True,
    ),
    DemoUser(
        "mental.health",
        "Maya",
        "Lindqvist",
        Role.SPECIALIST,
        SpecialistPathway.MENTAL_HEALTH,
        locality="West",
        agency="Wessex Partnership NHS Trust",
    ),
    DemoUser(
        "substance.use",
        "Kieran",
        "Doyle",
        Role.SPECIALIST,
        SpecialistPathway.SUBSTANCE_USE,
        locality="West",
        agency="Harbour Recovery Charity",
    ),
    DemoUser(
        "da.victim",
        "Rosa",
        "Bennett",
        Role.SPECIALIST,
        SpecialistPathway.DOMESTIC_ABUSE_VICTIM,
        locality="West",
        agency="Safe Horizons Domestic Abuse Service",
    ),
    DemoUser(
        "da.perpetrator",
        "Owen",
        "Pryce",
        Role.SPECIALIST,
        SpecialistPathway.DOMESTIC_ABUSE_PERPETRATOR,
        locality="West",
        agency="South Coast Probation Service",
    ),
]
COLLEAGUE_NAMES = [
    ("Amara", "Lewis"),
    ("Ben", "Carter"),
    ("Chloe", "Dunn"),
    ("Dev", "Patel"),
    ("Ella", "Finch"),
    ("Faisal", "Khan"),
    ("Gemma", "Hart"),
    ("Harry", "Irwin"),
    ("Isla", "Jones"),
    ("Jack", "Kemp"),
]
FAMILY_NAMES = [
    "Ashdown",
    "Barnes",
    "Colley",
    "Dawe",
    "Eldridge",
    "Frome",
    "Gillard",
    "Hallett",
    "Ives",
    "Jessop",
    "Keel",
    "Loder",
    "Moxey",
    "Norris",
    "Osmond",
    "Pitman",
    "Quick",
    "Rendell",
    "Samways",
    "Trenchard",
    "Upjohn",
    "Vye",
    "Wellstead",
    "Yeatman",
]
CHILD_NAMES = [
    ("Amy", "female"),
    ("Ben", "male"),
    ("Cara", "female"),
    ("Darius", "male"),
    ("Evie", "female"),
    ("Finn", "male"),
    ("Gracie", "female"),
    ("Harvey", "male"),
    ("Isabelle", "female"),
    ("Jayden", "male"),
    ("Kaia", "female"),
    ("Leo", "male"),
    ("Mia", "female"),
    ("Noah", "male"),
    ("Olivia", "female"),
    ("Riley", "male"),
]
MOTHER_NAMES = ["Abbie", "Becky", "Chantelle", "Danielle", "Emma", "Jade", "Kirsty", "Leanne"]
FATHER_NAMES = ["Aaron", "Callum", "Dean", "Jordan", "Kyle", "Liam", "Ryan", "Scott", "Tyler"]
ETHNICITIES = [
    "White British",
    "White British",
    "White British",
    "White other",
    "Mixed White and Black Caribbean",
    "Asian British",
    "Black British",
    "",
]
# Plausible paths up and down the ladder, as (status, days after the previous step).
HISTORIES: list[list[tuple[LegalStatus | None, int]]] = [
    [(LegalStatus.CIN, 0)],
    [(LegalStatus.CP, 0), (LegalStatus.CIN, 190)],
    [(LegalStatus.EARLY_HELP, 0), (LegalStatus.CIN, 120), (LegalStatus.CP, 90)],
    [(LegalStatus.CP, 0), (LegalStatus.PRE_PROCEEDINGS, 160)],
    [(LegalStatus.CP, 0), (LegalStatus.CIN, 200), (LegalStatus.EARLY_HELP, 150)],
    [
        (LegalStatus.CP, 0),
        (LegalStatus.PRE_PROCEEDINGS, 120),
        (LegalStatus.CARE_PROCEEDINGS, 100),
        (LegalStatus.LOOKED_AFTER, 180),
    ],
    [(LegalStatus.CIN, 0), (LegalStatus.CP, 60)],
    [(LegalStatus.CP, 0)],
]
STREETS = [
    "Harbour Road",
    "Chapel Lane",
    "Mill Street",
    "Weymouth Avenue",
    "Castle Close",
    "Orchard Way",
    "Station Road",
    "Victoria Terrace",
]
CONTACT_NOTES = [
    "Visited at home. Children were up and dressed, the home was warm and tidy. Mum said the "
    "week had been hard but she had kept the school run going every day.",
    "Phone call with mum about the core group. She agreed to the plan and asked for help with "
    "a referral to the substance-use service.",
    "Saw both children alone in their bedroom. They talked about school and the new puppy; no "
    "worries raised. Dad was present for the second half of the visit and engaged well.",
    "Home visit. Dad was not in; left a card and will call him. Food in the cupboards; the "
    "youngest had a nappy rash, mum has been to the GP.",
    "Office visit with both parents to go over the written agreement. Dad asked good questions "
    "about contact arrangements.",
]
NEXT_STEPS = [
    "Visit again within ten working days.",
    "Call dad to arrange to see him separately.",
    "Chase the school for attendance figures before the core group.",
    "Refer mum to the co-located mental health practitioner.",
    "",
]
SIGNIFICANT_EVENTS = [
    "Police called to the home after an argument between the parents.",
    "Dad moved back into the family home.",
    "Mum started a substance-use recovery programme.",
    "Child seen at A&E with a minor injury; explanation consistent.",
]
PLAN_ACTIONS = [
    ("Visit {child} at home every ten working days and see them alone", True),
    ("Take {child} to every health visitor appointment", False),
    ("Complete the parenting assessment, including dad", True),
]
# A father with children in two households, both open in West: social.worker holds the
# first (where he is referred to Dads Matter Too), a SASS West 2 colleague the second.
FATHER_IN_TWO_HOUSEHOLDS = ("DEMO-0002", "DEMO-0003")
# The household expecting a baby, on a child protection plan before birth (social.worker's).
EXPECTING = "DEMO-0022"
CLOSED_HISTORY: list[tuple[LegalStatus | None, int]] = [
    (LegalStatus.CP, 0),
    (LegalStatus.CIN, 180),
    (None, 150),
]


class Command(BaseCommand):
    help = "Seed a fictional demo council (only when DEBUG is on)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="Password for every demo user.")
        parser.add_argument("--families", type=int, default=60, help="How many families.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates fictional records and runs only with DEBUG on.")
        password = options["password"] or settings.DEMO_PASSWORD
        with transaction.atomic():
            teams = self._organisation()
            staff = self._staff(teams, password)
            created = self._families(teams, staff, options["families"])
            if not Referral.objects.exists():
                SpecialistWork(random.Random(2025), timezone.localdate()).seed()
            if not SupervisionGroup.objects.exists():
                SupervisionWork(random.Random(2026), timezone.localdate()).seed()
            outcomes = OutcomesWork(random.Random(2027), timezone.localdate())
            outcomes.seed()
        # After the commit, so a worker (when there is one) sees the records it counts.
        outcomes.compute()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo council ready: {len(LOCALITIES)} localities, {len(teams)} teams, "
                f"{User.objects.count()} staff, {Family.objects.count()} families "
                f"({created} new), {Referral.objects.count()} specialist referrals."
            )
        )
        self.stdout.write(
            "Demo users: "
            + ", ".join(user.username for user in DEMO_USERS)
            + f"\nDemo password: {password}"
        )

    def _organisation(self) -> dict[str, Team]:
        localities = {}
        for name, population in LOCALITIES.items():
            localities[name], _ = Locality.objects.update_or_create(
                name=name, defaults={"child_population": population}
            )
        for name, kind in AGENCIES:
            PartnerAgency.objects.update_or_create(name=name, defaults={"kind": kind})
        return {
            name: Team.objects.get_or_create(name=name, locality=localities[locality])[0]
            for name, locality in TEAMS
        }

    def _staff(self, teams: dict[str, Team], password: str) -> dict[str, list[User]]:
        """The demo users, plus two social workers and a manager in every other team."""
        social_workers: dict[str, list[User]] = {name: [] for name in teams}
        for demo in DEMO_USERS:
            team = teams.get(demo.team)
            user = staff_save(
                username=demo.username,
                first_name=demo.first_name,
                last_name=demo.last_name,
                role=demo.role,
                pathway=demo.pathway,
                team=team,
                locality=Locality.objects.get(name=demo.locality) if demo.locality else None,
                agency=PartnerAgency.objects.get(name=demo.agency) if demo.agency else None,
                leads_pathway=demo.leads_pathway,
                password=password,
                acting_user=None,
            )
            if demo.role == Role.SOCIAL_WORKER and team:
                social_workers[team.name].append(user)
        names = iter(COLLEAGUE_NAMES)
        for team_name, team in teams.items():
            for number in (1, 2):
                if team_name == "SASS West 1" and number == 2:
                    continue  # social.worker is the team's second worker
                first, last = next(names)
                slug = team_name.lower().replace("sass ", "").replace(" ", "")
                social_workers[team_name].append(
                    staff_save(
                        username=f"sw.{slug}.{number}",
                        first_name=first,
                        last_name=last,
                        role=Role.SOCIAL_WORKER,
                        team=team,
                        password=password,
                        acting_user=None,
                        fte=Decimal("0.8") if number == 2 else Decimal("1"),
                    )
                )
        return social_workers

    def _families(
        self, teams: dict[str, Team], social_workers: dict[str, list[User]], how_many: int
    ) -> int:
        randomness = random.Random(2024)  # the same council on every machine
        today = timezone.localdate()
        team_list = list(teams.values())
        created = 0
        for number in range(1, how_many + 1):
            reference = f"DEMO-{number:04d}"
            if Family.objects.filter(reference=reference).exists():
                continue
            created += 1
            team = team_list[number % len(team_list)]
            workers = social_workers[team.name]
            # One family in ten waits for allocation; the rest are spread over the team.
            worker = None if number % 10 == 0 else workers[number % len(workers)]
            closed = number % 12 == 0
            opened_on = today - datetime.timedelta(days=randomness.randint(120, 900))
            family = family_create(
                reference=reference,
                locality=team.locality,
                team=team,
                social_worker=worker,
                cohort="DMT pilot 2022-23" if opened_on.year <= 2023 else "DMT 2024-25",
                opened_on=opened_on,
                acting_user=None,
            )
            self._people(family, randomness, closed, today)
            if worker is not None:
                self._casework(family, worker, randomness, today)
            if closed:
                family_close(
                    family=family,
                    closed_on=self._latest_step(family) or today,
                    closure_reason="Stepped out: needs met through universal services",
                    acting_user=None,
                )
        self._pending_closure(social_workers)
        self._came_back(today)
        self._handed_on(today)
        return created

    def _pending_closure(self, social_workers: dict[str, list[User]]) -> None:
        """One of social.worker's cases waits for the team manager's approval."""
        worker = User.objects.get(username="social.worker")
        family = (
            Family.objects.filter(social_worker=worker, closed_on__isnull=True)
            .order_by("reference")
            .first()
        )
        if family is None or ClosureRequest.objects.filter(family=family).exists():
            return
        closure_request_create(
            family=family,
            closing_on=timezone.localdate(),
            reason=ClosureRequest.Reason.STEPPED_DOWN_EARLY_HELP,
            note="Home conditions improved and sustained; early help team to continue support.",
            acting_user=worker,
        )

    @staticmethod
    def _came_back(today: datetime.date) -> None:
        """A family of social.worker's team that closed and was referred again two months
        later: two periods on its page, a re-referral within 12 months, allocated to her."""
        if InvolvementPeriod.objects.exists():
            return
        worker = User.objects.get(username="social.worker")
        family = (
            Family.objects.filter(
                team=worker.team, closed_on__lte=today - datetime.timedelta(days=30)
            )
            .order_by("reference")
            .first()
        )
        if family is None or family.closed_on is None or worker.team is None:
            return
        referred_on: datetime.date = min(family.closed_on + datetime.timedelta(days=61), today)
        family = family_rerefer(
            family=family,
            referred_on=referred_on,
            referral_source=ReferralSource.POLICE,
            referral_reason="Police attended a domestic incident at the family home; the "
            "children were present.",
            expected_version=family.version,
            acting_user=worker,
        )
        family_allocate(
            family=family, social_worker=worker, start_date=referred_on, acting_user=None
        )

    @staticmethod
    def _handed_on(today: datetime.date) -> None:
        """A family of SASS West 2 transferred to social.worker, with a handover note."""
        if Transfer.objects.exists():
            return
        worker = User.objects.get(username="social.worker")
        family = (
            Family.objects.open()
            .filter(team__name="SASS West 2", social_worker__isnull=False)
            .exclude(memberships__person__memberships__family__team=worker.team)
            .order_by("reference")
            .first()
        )
        if family is None or worker.team is None:
            return
        family_transfer(
            family=family,
            to_team=worker.team,
            to_worker=worker,
            on=today,
            handover_note="Mum prefers visits after the school run and before 2pm. Dad works "
            "nights and is keen to be involved: call him first. The core group meets on the "
            "first Tuesday of the month; the next review is due in three weeks.",
            expected_version=family.version,
            acting_user=User.objects.get(username="service.manager"),
        )

    def _casework(
        self, family: Family, worker: User, randomness: random.Random, today: datetime.date
    ) -> None:
        """Visits and calls, some significant; plans with actions; father-inclusion facts."""
        people = members_of(family)
        children = [person for person in people if person.is_child]
        adults = [person for person in people if not person.is_child]
        fathers = fathers_of(children)
        last_day = family.closed_on or today
        span = (last_day - family.opened_on).days
        for _ in range(randomness.randint(1, 6)):
            day = family.opened_on + datetime.timedelta(days=randomness.randint(0, span))
            at = timezone.make_aware(
                datetime.datetime.combine(
                    day,
                    datetime.time(randomness.randint(9, 17), randomness.choice([0, 15, 30, 45])),
                )
            )
            if at > timezone.now():
                continue
            kind = randomness.choice(
                [ContactKind.HOME_VISIT] * 4
                + [ContactKind.PHONE, ContactKind.OFFICE, ContactKind.CORE_GROUP]
            )
            seen = randomness.sample(people, k=randomness.randint(1, len(people)))
            alone = [child for child in seen if child.is_child and randomness.random() < 0.5]
            significant = randomness.random() < 0.25
            contact_record(
                family=family,
                occurred_at=at,
                kind=kind,
                people_seen=seen,
                children_seen_alone=alone,
                significant=significant,
                note=randomness.choice(CONTACT_NOTES),
                next_steps=randomness.choice(NEXT_STEPS),
                chronology_summary=randomness.choice(SIGNIFICANT_EVENTS) if significant else "",
                acting_user=worker,
            )
        if family.closed_on is not None:
            return
        carers = [adult for adult in adults if adult.role == Membership.Role.MOTHER]
        for child in children:
            current = child.status_episodes.filter(end_date__isnull=True).first()
            if current is None or current.status not in ("cin", "cp"):
                continue
            plan = plan_create(
                child=child,
                kind=current.status,
                started_on=current.start_date,
                review_on=today + datetime.timedelta(days=randomness.randint(-5, 60)),
                acting_user=worker,
            )
            for description, owner_is_worker in PLAN_ACTIONS[: randomness.randint(1, 3)]:
                action = plan_action_create(
                    plan=plan,
                    description=description.format(child=child.given_name),
                    due_on=today + datetime.timedelta(days=randomness.randint(-20, 40)),
                    owner_worker=worker if owner_is_worker or not carers else None,
                    owner_person=None if owner_is_worker or not carers else carers[0],
                    acting_user=worker,
                )
                if randomness.random() < 0.3:
                    plan_action_update(
                        action=action,
                        expected_version=action.version,
                        changes={"status": PlanAction.Status.DONE},
                        acting_user=worker,
                    )
            if current.status == "cp" and child.pk in fathers:
                invited = randomness.random() < 0.6
                father_inclusion_update(
                    child=child,
                    expected_version=1,
                    acting_user=worker,
                    changes={
                        "invited_to_initial_conference": invited,
                        "attended_initial_conference": invited and randomness.random() < 0.6,
                    },
                )

    def _people(
        self, family: Family, randomness: random.Random, closed: bool, today: datetime.date
    ) -> None:
        surname = randomness.choice(FAMILY_NAMES)
        mother = person_create(
            family=family,
            reference=f"{family.reference}-M",
            role=Membership.Role.MOTHER,
            given_name=randomness.choice(MOTHER_NAMES),
            family_name=surname,
            date_of_birth=today - datetime.timedelta(days=365 * randomness.randint(19, 38)),
            sex=Person.Sex.FEMALE,
            ethnicity=randomness.choice(ETHNICITIES),
            care_experienced=randomness.random() < 0.2,
            acting_user=None,
            address=f"{randomness.randint(1, 120)} {randomness.choice(STREETS)}",
            phone=f"07700 900{randomness.randint(100, 999)}",
            # One family in six: the mother is a domestic-abuse victim, details restricted.
            contact_restricted=randomness.random() < 1 / 6,
            interpreter_needed=False,
        )
        father = None
        # Most children have a known father; some a father figure; a few none on record,
        # which is exactly what the fathers' prompts exist to catch.
        kind = randomness.choices(["father", "father_figure", "none"], weights=[7, 2, 1])[0]
        if family.reference == FATHER_IN_TWO_HOUSEHOLDS[0]:
            kind = "father"  # of the children here and in the second household
        if family.reference == FATHER_IN_TWO_HOUSEHOLDS[1]:
            father = self._father_from_first_household(family, mother)
        elif kind != "none":
            father = person_create(
                family=family,
                reference=f"{family.reference}-F",
                role=Membership.Role.FATHER if kind == "father" else Membership.Role.FATHER_FIGURE,
                given_name=randomness.choice(FATHER_NAMES),
                family_name=surname if kind == "father" else randomness.choice(FAMILY_NAMES),
                date_of_birth=today - datetime.timedelta(days=365 * randomness.randint(17, 40)),
                sex=Person.Sex.MALE,
                ethnicity=randomness.choice(ETHNICITIES),
                care_experienced=randomness.random() < 0.25,
                previous_child_removal=randomness.random() < 0.15,
                acting_user=None,
                # Fathers' details are often missing: the family page prompts for them.
                phone=f"07700 900{randomness.randint(100, 999)}"
                if randomness.random() < 0.6
                else "",
            )
        history = CLOSED_HISTORY if closed else randomness.choice(HISTORIES)
        for index in range(randomness.randint(1, 3)):
            given_name, sex = randomness.choice(CHILD_NAMES)
            child = person_create(
                family=family,
                reference=f"{family.reference}-C{index + 1}",
                role=Membership.Role.CHILD,
                given_name=given_name,
                family_name=surname,
                date_of_birth=today - datetime.timedelta(days=randomness.randint(30, 365 * 15)),
                sex=sex,
                father=father,
                acting_user=None,
            )
            day = family.opened_on
            for status, gap in history:
                day += datetime.timedelta(days=gap)
                if day > today:
                    break
                child_status_change(child=child, status=status, start_date=day, acting_user=None)
        if family.reference == EXPECTING:
            self._unborn(family, surname, father, today)

    @staticmethod
    def _father_from_first_household(family: Family, mother: Person) -> Person | None:
        """The first household's father joins the second as its children's father: one
        person in two families, his ex-partner in one and his partner in the other."""
        father = Person.objects.filter(reference=f"{FATHER_IN_TWO_HOUSEHOLDS[0]}-F").first()
        if father is None:  # a smaller demo, without the first household
            return None
        membership_add(
            person=father,
            family=family,
            role=Membership.Role.FATHER,
            joined_on=None,
            acting_user=None,
        )
        first_mother = Person.objects.get(reference=f"{FATHER_IN_TWO_HOUSEHOLDS[0]}-M")
        for partner, kind in [
            (first_mother, Relationship.Kind.EX_PARTNER),
            (mother, Relationship.Kind.PARTNER),
        ]:
            relationship_add(person=father, relative=partner, kind=kind, acting_user=None)
        return father

    @staticmethod
    def _unborn(family: Family, surname: str, father: Person | None, today: datetime.date) -> None:
        """A baby due in ten weeks, on a child protection plan since the pre-birth conference:
        no date of birth yet, only the expected date of delivery."""
        unborn = person_create(
            family=family,
            reference=f"{family.reference}-U",
            role=Membership.Role.CHILD,
            given_name="Unborn baby",
            family_name=surname,
            expected_on=today + datetime.timedelta(weeks=10),
            father=father,
            acting_user=None,
        )
        child_status_change(
            child=unborn,
            status=LegalStatus.CP,
            start_date=max(family.opened_on, today - datetime.timedelta(weeks=3)),
            acting_user=None,
        )

    @staticmethod
    def _latest_step(family: Family) -> datetime.date | None:
        last = (
            StatusEpisode.objects.filter(child__memberships__family=family, end_date__isnull=False)
            .order_by("-end_date")
            .values_list("end_date", flat=True)
            .first()
        )
        return last + datetime.timedelta(days=1) if last else None
