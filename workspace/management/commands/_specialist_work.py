"""The demo council's specialist work: referrals of the West families' parents to each
pathway, some waiting and some allocated, with attempts to engage, appointments (some this
week), reviews (some overdue), cycle-of-change placements and outcome measures."""

import datetime
import random

from django.utils import timezone

from accounts.models import Role, User
from families.models import Family, Membership, Person
from families.selectors import members_of
from referrals.models import (
    Appointment,
    CycleOfChange,
    Engagement,
    EngagementAttempt,
    OutcomeMeasure,
    Pathway,
    Rag,
    Referral,
)
from referrals.services import (
    appointment_book,
    appointment_outcome,
    cycle_of_change_record,
    engagement_attempt_record,
    measure_reading_record,
    referral_allocate,
    referral_create,
    referral_engagement_change,
    referral_review_record,
    referral_stage_change,
)

REASONS = {
    "dmt": "Dad has not engaged with the social worker; mum says he wants to be involved.",
    "substance_use": "Cannabis use most days; says it helps with stress.",
    "domestic_abuse_victim": "Police call-out last month; mum disclosed previous incidents.",
    "domestic_abuse_perpetrator": "Police call-out last month; dad accepts some responsibility.",
    "mental_health": "Low mood since the baby was born; GP prescribed antidepressants.",
}
OVERRIDE = "Demo: the social worker and DMT manager agreed the referral."


class SpecialistWork:
    def __init__(self, randomness: random.Random, today: datetime.date) -> None:
        self.random, self.today = randomness, today
        self.pathways = {pathway.code: pathway for pathway in Pathway.objects.all()}
        self.practitioners = {
            user.pathway: user
            for user in User.objects.filter(role=Role.SPECIALIST, leads_pathway=False)
        }
        self.measures = {measure.code: measure for measure in OutcomeMeasure.objects.all()}

    def seed(self) -> None:
        families = Family.objects.filter(
            locality__name="West", closed_on__isnull=True, social_worker__isnull=False
        ).order_by("reference")
        for number, family in enumerate(families):
            people = {person.role: person for person in members_of(family)}
            father = people.get(Membership.Role.FATHER) or people.get(Membership.Role.FATHER_FIGURE)
            mother = people.get(Membership.Role.MOTHER)
            if father is not None and number % 3 != 2:
                self.refer(father, "dmt", family, allocate=number % 4 != 3)
            if mother is not None and mother.contact_restricted:
                self.refer(mother, "domestic_abuse_victim", family, allocate=True)
                if father is not None:
                    self.refer(father, "domestic_abuse_perpetrator", family, allocate=True)
            elif mother is not None and number % 3 == 0:
                self.refer(mother, "mental_health", family, allocate=number % 2 == 0)
            elif mother is not None and number % 3 == 1:
                self.refer(mother, "substance_use", family, allocate=number % 2 == 1)

    def refer(self, person: Person, code: str, family: Family, *, allocate: bool) -> None:
        pathway = self.pathways.get(code)
        if pathway is None:  # a council that does not run this pathway
            return
        if Referral.objects.filter(person=person, pathway=pathway, closed_on__isnull=True).exists():
            # A father in two households is referred from the first of them only.
            return
        worker = family.social_worker
        assert worker is not None  # seed() chooses only families with a social worker
        referred_on = max(
            family.opened_on, self.today - datetime.timedelta(days=self.random.randint(10, 150))
        )
        referral = referral_create(
            person=person,
            family=family,
            pathway=pathway,
            referred_on=referred_on,
            rag=self.random.choice([Rag.RED, Rag.AMBER, Rag.AMBER, Rag.GREEN]),
            areas_of_need=self.random.sample(["parenting", "relationships", "housing"], k=2),
            reason=REASONS[code],
            previously_known=self.random.choice([True, False, False, None]),
            eligibility_override=OVERRIDE,
            acting_user=worker,
        )
        practitioner = self.practitioners.get(code)
        if not allocate or practitioner is None:
            return
        allocated_on = min(self.today, referred_on + datetime.timedelta(days=7))
        referral = referral_allocate(
            referral=referral,
            practitioner=practitioner,
            allocated_on=allocated_on,
            accept_over_capacity=True,
            acting_user=practitioner,
        )
        self.work(referral, practitioner, allocated_on)

    def work(self, referral: Referral, practitioner: User, allocated_on: datetime.date) -> None:
        """Attempts, then (for most) sessions, a cycle-of-change placement and measures."""
        day = allocated_on
        for method, outcome in [
            (EngagementAttempt.Method.PHONE, EngagementAttempt.Outcome.NO_REPLY),
            (EngagementAttempt.Method.TEXT, EngagementAttempt.Outcome.MESSAGE_LEFT),
            (EngagementAttempt.Method.VISIT, EngagementAttempt.Outcome.MET),
        ][: self.random.randint(1, 3)]:
            engagement_attempt_record(
                referral=referral,
                attempted_on=day,
                method=method,
                outcome=outcome,
                acting_user=practitioner,
            )
            day = min(self.today, day + datetime.timedelta(days=self.random.randint(1, 4)))
        if self.random.random() < 0.25:
            return  # still waiting to be seen
        engagement = self.random.choice(
            [Engagement.ENGAGED, Engagement.ENGAGED, Engagement.INCONSISTENT]
        )
        referral_engagement_change(
            referral=referral, engagement=engagement, changed_on=day, acting_user=practitioner
        )
        first = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
        seen = appointment_book(referral=referral, starts_at=first, acting_user=practitioner)
        appointment_outcome(
            appointment=seen,
            outcome=Appointment.Outcome.ATTENDED,
            expected_version=seen.version,
            acting_user=practitioner,
        )
        if referral.pathway.code == "mental_health":
            referral_stage_change(
                referral=referral,
                stage_code="mi-before-assessment",
                changed_on=day,
                acting_user=practitioner,
            )
        elif referral.stage and referral.stage.code == "allocated":
            referral_stage_change(
                referral=referral,
                stage_code="intervention",
                changed_on=day,
                acting_user=practitioner,
            )
        cycle_of_change_record(
            person=referral.person,
            stage=self.random.choice(CycleOfChange.values[:4]),
            recorded_on=day,
            acting_user=practitioner,
        )
        self.measure(referral, practitioner, day)
        this_week = self.today + datetime.timedelta(days=self.random.randint(0, 4))
        appointment_book(
            referral=referral,
            starts_at=timezone.make_aware(
                datetime.datetime.combine(this_week, datetime.time(self.random.randint(9, 16), 0))
            ),
            acting_user=practitioner,
        )
        if self.random.random() < 0.4 and day < self.today:
            referral_review_record(
                referral=referral,
                reviewed_on=day,
                summary="Reviewed with him: steady progress; keep weekly sessions.",
                next_review_on=day + datetime.timedelta(weeks=self.random.choice([2, 12])),
                acting_user=practitioner,
            )

    def measure(self, referral: Referral, practitioner: User, day: datetime.date) -> None:
        code = {
            "dmt": "recovery-star",
            "mental_health": "phq-9",
            "substance_use": "recovery-star",
        }.get(referral.pathway.code)
        if code is None:
            return
        measure = self.measures[code]
        start = {
            key: self.random.randint(measure.scale_min, measure.scale_max // 2 + 1)
            for key in measure.item_keys
        }
        if code == "phq-9":
            start["phq9_9"] = 0
        measure_reading_record(
            person=referral.person,
            measure=measure,
            taken_on=day,
            scores=start,
            acting_user=practitioner,
        )
        if day + datetime.timedelta(days=28) <= self.today:
            later = {
                key: min(
                    measure.scale_max,
                    max(measure.scale_min, score + self.random.choice([-2, -1, 1, 2, 3])),
                )
                if code != "phq-9"
                else max(0, score - self.random.randint(0, 2))
                for key, score in start.items()
            }
            measure_reading_record(
                person=referral.person,
                measure=measure,
                taken_on=day + datetime.timedelta(days=28),
                scores=later,
                acting_user=practitioner,
            )
