import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent, Role, SpecialistPathway
from families.models import LegalStatus, Membership
from families.services import child_status_change, membership_add
from referrals.models import (
    CycleOfChangeEntry,
    EligibilityRule,
    Pathway,
    Referral,
    ReferralStageChange,
)
from referrals.selectors import waiting_list
from referrals.services import (
    cycle_of_change_record,
    eligibility_failures,
    referral_allocate,
    referral_close,
    referral_create,
    referral_engagement_change,
    referral_stage_change,
)

from ..factories import FamilyFactory, PersonFactory

pytestmark = pytest.mark.django_db

IN_PILOT = datetime.date(2022, 6, 1)
AFTER_PILOT = datetime.date(2024, 1, 15)


def pathway(code: str) -> Pathway:
    return Pathway.objects.get(code=code)


@pytest.fixture
def family(alice):
    return FamilyFactory(team=alice.team, opened_on=datetime.date(2022, 1, 1))


@pytest.fixture
def dad(family):
    return PersonFactory(
        family=family,
        role=Membership.Role.FATHER,
        given_name="Dean",
        date_of_birth=datetime.date(1998, 1, 1),
    )


@pytest.fixture
def baby(family, dad):
    return PersonFactory(
        family=family, given_name="Amy", father=dad, date_of_birth=datetime.date(2022, 1, 10)
    )


@pytest.fixture
def dmt_worker(make_user):
    return make_user(
        Role.SPECIALIST, username="dmt", pathway=SpecialistPathway.DMT, fte=Decimal("0.2")
    )


def refer(person, user, code="dmt", on=IN_PILOT, **kwargs):
    kwargs.setdefault("family", person.membership.family)
    return referral_create(
        person=person, pathway=pathway(code), referred_on=on, acting_user=user, **kwargs
    )


def test_a_young_father_of_a_baby_meets_the_pilot_rules(family, dad, baby):
    assert (
        eligibility_failures(person=dad, family=family, pathway=pathway("dmt"), on=IN_PILOT) == []
    )


@pytest.fixture
def second_family(alice):
    return FamilyFactory(team=alice.team, opened_on=datetime.date(2022, 1, 1))


def test_a_child_counts_for_the_family_the_referral_is_made_from_only(
    alice, family, second_family, dad
):
    """Dean's baby lives in his second household: a referral from the first has no child
    under 12 months, one from the second has."""
    PersonFactory(family=second_family, father=dad, date_of_birth=datetime.date(2022, 1, 10))
    membership_add(
        person=dad,
        family=second_family,
        role=Membership.Role.FATHER,
        joined_on=None,
        acting_user=alice,
    )
    dmt = pathway("dmt")

    assert eligibility_failures(person=dad, family=family, pathway=dmt, on=IN_PILOT) == [
        "No child in the family is under 12 months."
    ]
    assert eligibility_failures(person=dad, family=second_family, pathway=dmt, on=IN_PILOT) == []
    referral = refer(dad, alice, family=second_family)
    assert (referral.family, referral.eligibility_override) == (second_family, "")


def test_a_child_counts_while_a_member_of_the_family_on_the_referral_date(family, dad):
    """A baby who joined the family after the referral date, or left it before, is not a
    child of the family that day."""
    PersonFactory(
        family=family,
        date_of_birth=datetime.date(2022, 1, 10),
        joined_on=IN_PILOT + datetime.timedelta(days=1),
    )
    gone = PersonFactory(family=family, date_of_birth=datetime.date(2022, 2, 10))
    Membership.objects.filter(person=gone).update(left_on=IN_PILOT - datetime.timedelta(days=1))
    dmt = pathway("dmt")

    assert eligibility_failures(person=dad, family=family, pathway=dmt, on=IN_PILOT) == [
        "No child in the family is under 12 months."
    ]
    assert (
        eligibility_failures(
            person=dad, family=family, pathway=dmt, on=IN_PILOT + datetime.timedelta(days=1)
        )
        == []
    )


def test_a_referral_from_a_family_the_adult_is_not_in_is_refused(alice, dad, baby, second_family):
    with pytest.raises(ValidationError) as error:
        refer(dad, alice, family=second_family)

    assert "family" in error.value.message_dict
    assert not Referral.objects.exists()
    assert not AuditEvent.objects.filter(object_type="referrals.referral").exists()


def test_a_referral_from_a_family_the_adult_has_left_is_refused(alice, family, dad, baby):
    Membership.objects.filter(person=dad, family=family).update(left_on=IN_PILOT)

    with pytest.raises(ValidationError, match="not a member"):
        refer(dad, alice, family=family)
    assert not Referral.objects.exists()


def test_an_older_father_outside_the_pilot_rules_needs_a_reason(alice, dad, baby):
    dad.date_of_birth = datetime.date(1980, 1, 1)
    dad.save(update_fields=["date_of_birth"])

    with pytest.raises(ValidationError) as error:
        refer(dad, alice)

    assert error.value.message_dict["eligibility_override"] == ["The adult is not aged 16 to 30."]
    assert not Referral.objects.exists()

    referral = refer(dad, alice, eligibility_override="Care experienced; high risk")

    assert referral.eligibility_override == "Care experienced; high risk"
    event = AuditEvent.objects.get(object_type="referrals.referral", action="create")
    assert event.detail["ineligible"] == 1  # a count: the rules' wording stays out of the trail


def test_after_the_pilot_the_rule_is_a_child_on_a_cp_plan_or_in_pre_proceedings(
    alice, family, dad, baby
):
    assert eligibility_failures(
        person=dad, family=family, pathway=pathway("dmt"), on=AFTER_PILOT
    ) == ["No child is currently on child protection or pre-proceedings."]

    child_status_change(
        child=baby, status=LegalStatus.CP, start_date=AFTER_PILOT, acting_user=alice
    )

    assert (
        eligibility_failures(person=dad, family=family, pathway=pathway("dmt"), on=AFTER_PILOT)
        == []
    )


def test_a_manager_adds_a_locality_rule_as_data(dad, baby, family):
    EligibilityRule.objects.create(
        pathway=pathway("dmt"),
        kind=EligibilityRule.Kind.LOCALITY_IN,
        params={"localities": ["Chesil"]},
        in_force_from=datetime.date(2022, 1, 1),
    )

    assert eligibility_failures(person=dad, family=family, pathway=pathway("dmt"), on=IN_PILOT) == [
        "The family does not live in Chesil."
    ]


def test_a_referral_starts_at_the_first_stage_as_new(alice, dad, baby):
    referral = refer(dad, alice, rag="red", areas_of_need=["parenting"])

    assert (referral.stage.code, referral.engagement, referral.rag) == ("referral", "new", "red")
    assert list(referral.stage_changes.values_list("stage__code", "changed_on")) == [
        ("referral", IN_PILOT)
    ]


def test_a_child_cannot_be_referred_and_nothing_is_written(alice, baby):
    with pytest.raises(ValidationError, match="Children"):
        refer(baby, alice)
    assert not Referral.objects.exists()


def test_a_second_open_referral_to_the_same_pathway_is_refused(alice, dad, baby):
    refer(dad, alice)

    with pytest.raises(ValidationError, match="already has an open"):
        refer(dad, alice)


def test_allocation_over_capacity_warns_until_accepted(alice, dad, baby, dmt_worker, family):
    # 0.2 FTE of a 15-case pathway: capacity 3.
    for number in range(3):
        other = PersonFactory(
            family=family, role=Membership.Role.FATHER_FIGURE, given_name=f"Other{number}"
        )
        held = refer(other, alice, eligibility_override="test")
        referral_allocate(
            referral=held, practitioner=dmt_worker, allocated_on=IN_PILOT, acting_user=alice
        )
    referral = refer(dad, alice)

    with pytest.raises(ValidationError) as error:
        referral_allocate(
            referral=referral, practitioner=dmt_worker, allocated_on=IN_PILOT, acting_user=alice
        )
    assert error.value.error_dict["practitioner"][0].code == "over_capacity"
    referral.refresh_from_db()
    assert referral.practitioner is None

    referral_allocate(
        referral=referral,
        practitioner=dmt_worker,
        allocated_on=IN_PILOT,
        accept_over_capacity=True,
        acting_user=alice,
    )
    referral.refresh_from_db()
    assert (referral.practitioner, referral.stage.code) == (dmt_worker, "allocated")


def test_only_a_practitioner_of_the_pathway_can_be_allocated(alice, dad, baby, make_user):
    mental_health = make_user(Role.SPECIALIST, pathway=SpecialistPathway.MENTAL_HEALTH)
    referral = refer(dad, alice)

    for wrong in (mental_health, alice):
        with pytest.raises(ValidationError, match="Dads Matter Too practitioner"):
            referral_allocate(
                referral=referral, practitioner=wrong, allocated_on=IN_PILOT, acting_user=alice
            )


def test_a_mental_health_referral_moves_through_both_mi_phases(alice, dad, make_user):
    referral = refer(dad, alice, code="mental_health")
    worker = make_user(Role.SPECIALIST, pathway=SpecialistPathway.MENTAL_HEALTH)
    referral_allocate(
        referral=referral, practitioner=worker, allocated_on=IN_PILOT, acting_user=alice
    )
    day = IN_PILOT
    for code in ("mi-before-assessment", "assessment", "mi-before-treatment", "treatment"):
        day += datetime.timedelta(days=14)
        referral_stage_change(
            referral=referral, stage_code=code, changed_on=day, acting_user=worker
        )

    assert list(
        ReferralStageChange.objects.filter(referral=referral).values_list("stage__code", flat=True)
    ) == ["referral", "mi-before-assessment", "assessment", "mi-before-treatment", "treatment"]


def test_a_stage_of_another_pathway_or_backdated_before_the_last_change_is_refused(
    alice, dad, baby
):
    referral = refer(dad, alice)
    referral_stage_change(
        referral=referral,
        stage_code="intervention",
        changed_on=IN_PILOT + datetime.timedelta(days=10),
        acting_user=alice,
    )

    with pytest.raises(ValidationError, match="Not a stage"):
        referral_stage_change(
            referral=referral,
            stage_code="assessment",
            changed_on=IN_PILOT + datetime.timedelta(days=20),
            acting_user=alice,
        )
    with pytest.raises(ValidationError, match="cannot be before the last one"):
        referral_stage_change(
            referral=referral,
            stage_code="allocated",
            changed_on=IN_PILOT + datetime.timedelta(days=5),
            acting_user=alice,
        )
    referral.refresh_from_db()
    assert referral.stage.code == "intervention"


def test_engagement_keeps_its_history(alice, dad, baby):
    referral = refer(dad, alice)

    referral_engagement_change(
        referral=referral,
        engagement="inconsistent",
        changed_on=IN_PILOT + datetime.timedelta(days=7),
        acting_user=alice,
    )
    referral_engagement_change(
        referral=referral,
        engagement="engaged",
        changed_on=IN_PILOT + datetime.timedelta(days=30),
        acting_user=alice,
    )

    assert list(referral.engagement_changes.values_list("engagement", flat=True)) == [
        "new",
        "inconsistent",
        "engaged",
    ]
    referral.refresh_from_db()
    assert referral.engagement == "engaged"


def test_closing_a_referral_records_the_reason_and_leaves_the_waiting_list(alice, dad, baby):
    referral = refer(dad, alice)

    referral_close(
        referral=referral,
        closed_on=IN_PILOT + datetime.timedelta(days=60),
        reason="completed",
        outcome="Finished the programme",
        acting_user=alice,
    )

    referral.refresh_from_db()
    assert (referral.closure_code, referral.stage.code) == ("completed", "closed")
    assert not waiting_list(pathway("dmt")).exists()
    with pytest.raises(ValidationError, match="already closed"):
        referral_close(referral=referral, closed_on=IN_PILOT, reason="other", acting_user=alice)


def test_the_waiting_list_puts_red_first_then_the_longest_waiting(alice, family):
    people = [
        PersonFactory(family=family, role=Membership.Role.CARER, given_name=name)
        for name in ("Green-old", "Amber-new", "Red-new", "Amber-old")
    ]
    for person, rag, day in zip(
        people, ["green", "amber", "red", "amber"], [1, 20, 25, 5], strict=True
    ):
        referral_create(
            person=person,
            family=family,
            pathway=pathway("substance_use"),
            referred_on=datetime.date(2023, 1, day),
            rag=rag,
            acting_user=alice,
        )

    assert [r.person.given_name for r in waiting_list(pathway("substance_use"))] == [
        "Red-new",
        "Amber-old",
        "Amber-new",
        "Green-old",
    ]


def test_the_cycle_of_change_keeps_each_placement(alice, dad):
    cycle_of_change_record(
        person=dad, stage="contemplation", recorded_on=IN_PILOT, acting_user=alice
    )
    cycle_of_change_record(
        person=dad,
        stage="action",
        source="group_supervision",
        recorded_on=IN_PILOT + datetime.timedelta(days=28),
        acting_user=alice,
    )

    assert list(CycleOfChangeEntry.objects.filter(person=dad).values_list("stage", "source")) == [
        ("contemplation", "practitioner"),
        ("action", "group_supervision"),
    ]
    with pytest.raises(ValidationError):
        cycle_of_change_record(
            person=dad, stage="daydreaming", recorded_on=IN_PILOT, acting_user=alice
        )


def test_an_administrator_edits_a_pathways_stages_and_reads_its_rules_in_the_admin(
    client_for, make_user
):
    from django.urls import reverse

    admin = make_user(Role.ADMIN, username="root", is_staff=True, is_superuser=True)

    response = client_for(admin).get(
        reverse("admin:referrals_pathway_change", args=[pathway("dmt").pk])
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "child_status_in" in page
    assert "Intervention" in page
