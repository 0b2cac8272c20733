"""Families that come back (re-referral, earlier periods kept) and families handed on
(transfer to another team or worker, with a handover note)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Role
from families.models import Allocation, Family, InvolvementPeriod, ReferralSource, Transfer
from families.selectors import caseload_for, family_list_for, involvement_periods
from families.services import (
    EditConflict,
    caseload_transfer,
    family_close,
    family_create,
    family_rerefer,
    family_transfer,
)

from ..factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def manager(make_user, team):
    return make_user(Role.TEAM_MANAGER, username="manager", team=team)


@pytest.fixture
def family(team, alice, manager) -> Family:
    return family_create(
        reference="FAM-BACK",
        locality=team.locality,
        team=team,
        social_worker=alice,
        opened_on=days_ago(200),
        acting_user=manager,
    )


def closed(family: Family, days: int) -> Family:
    return family_close(
        family=family, closed_on=days_ago(days), closure_reason="Stepped down", acting_user=None
    )


def rerefer(family: Family, days: int, user) -> Family:
    return family_rerefer(
        family=family,
        referred_on=days_ago(days),
        referral_source=ReferralSource.SCHOOL,
        referral_reason="Teacher saw bruising",
        expected_version=family.version,
        acting_user=user,
    )


# Re-referral ---------------------------------------------------------------------------------


def test_a_closed_family_referred_again_keeps_its_earlier_period(family, alice):
    family = closed(family, 100)

    family = rerefer(family, 40, alice)

    assert (family.opened_on, family.closed_on, family.social_worker) == (days_ago(40), None, None)
    assert family.referral_source == ReferralSource.SCHOOL
    periods = involvement_periods(family)
    assert [(p.opened_on, p.closed_on, p.re_referral) for p in periods] == [
        (days_ago(200), days_ago(100), False),
        (days_ago(40), None, True),
    ]
    assert periods[0].closure_reason == "Stepped down"
    assert periods[1].referral_source == "Schools"
    assert periods[1].referral_reason == "Teacher saw bruising"
    event = AuditEvent.objects.filter(object_type="families.family").latest("id")
    assert event.detail == {"kind": "re_referral", "changed_on": days_ago(40).isoformat()}


def test_a_re_referral_more_than_twelve_months_on_is_not_flagged(team, alice):
    family = family_create(
        locality=team.locality, team=team, opened_on=days_ago(900), acting_user=alice
    )
    family = closed(family, 500)

    family = rerefer(family, 500 - 366, alice)

    assert [p.re_referral for p in involvement_periods(family)] == [False, False]


def test_twelve_months_to_the_day_is_a_re_referral(team, alice):
    family = family_create(
        locality=team.locality, team=team, opened_on=days_ago(900), acting_user=alice
    )
    family = rerefer(closed(family, 500), 500 - 365, alice)

    assert involvement_periods(family)[-1].re_referral


def test_the_caseload_flags_a_re_referred_family(family, alice, manager):
    family = rerefer(closed(family, 100), 10, alice)

    rows = {row.reference: row for row in caseload_for(manager)}

    assert rows["FAM-BACK"].re_referred


def test_an_open_family_cannot_be_re_referred(family, alice):
    with pytest.raises(ValidationError, match="open"):
        rerefer(family, 1, alice)
    assert not InvolvementPeriod.objects.exists()


@pytest.mark.parametrize("days", [100, 101])
def test_a_re_referral_comes_after_the_closure(family, alice, days):
    family = closed(family, 100)
    with pytest.raises(ValidationError, match="after the case closed"):
        rerefer(family, days, alice)
    assert Family.objects.get(pk=family.pk).closed_on == days_ago(100)


def test_a_re_referral_needs_a_reason_and_a_current_version(family, alice):
    family = closed(family, 100)
    with pytest.raises(ValidationError, match="why"):
        family_rerefer(
            family=family,
            referred_on=days_ago(5),
            referral_source="",
            referral_reason="  ",
            expected_version=family.version,
            acting_user=alice,
        )
    with pytest.raises(EditConflict):
        family_rerefer(
            family=family,
            referred_on=days_ago(5),
            referral_source="",
            referral_reason="Again",
            expected_version=family.version - 1,
            acting_user=alice,
        )
    assert not InvolvementPeriod.objects.exists()


# Transfer -------------------------------------------------------------------------------------


@pytest.fixture
def other_team_worker(other_team):
    return UserFactory(username="olly", role=Role.SOCIAL_WORKER, team=other_team)


def test_a_family_moves_to_another_team_and_its_old_team_loses_it(
    family, manager, alice, other_team, other_team_worker
):
    transfer = family_transfer(
        family=family,
        to_team=other_team,
        to_worker=other_team_worker,
        on=days_ago(0),
        handover_note="Mother prefers mornings; dog at the door.",
        expected_version=family.version,
        acting_user=manager,
    )

    family.refresh_from_db()
    assert (family.team, family.locality, family.social_worker) == (
        other_team,
        other_team.locality,
        other_team_worker,
    )
    assert (transfer.from_team, transfer.from_worker, transfer.on) == (
        alice.team,
        alice,
        days_ago(0),
    )
    allocations = list(Allocation.objects.filter(family=family).order_by("start_date"))
    assert [(a.social_worker, a.end_date) for a in allocations] == [
        (alice, days_ago(1)),
        (other_team_worker, None),
    ]
    assert family not in family_list_for(alice)
    assert family not in family_list_for(manager)
    assert family in family_list_for(other_team_worker)
    event = AuditEvent.objects.get(object_type="families.transfer")
    assert event.detail == {"family": "FAM-BACK", "changed_on": days_ago(0).isoformat()}


def test_only_the_familys_managers_transfer_it(family, alice, other_team):
    with pytest.raises(ValidationError, match="team manager"):
        family_transfer(
            family=family,
            to_team=other_team,
            to_worker=None,
            on=days_ago(0),
            handover_note="Note",
            expected_version=family.version,
            acting_user=alice,
        )
    family.refresh_from_db()
    assert family.team == alice.team


@pytest.mark.parametrize(
    ("on", "note", "message"),
    [
        (1, "Note", "future"),
        (300, "Note", "opened"),
        (200, "Note", "after"),
        (0, "   ", "handover note"),
    ],
)
def test_a_transfer_with_a_bad_date_or_no_note_changes_nothing(
    family, manager, other_team, on, note, message
):
    day = days_ago(on) if on != 1 else timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match=message):
        family_transfer(
            family=family,
            to_team=other_team,
            to_worker=None,
            on=day,
            handover_note=note,
            expected_version=family.version,
            acting_user=manager,
        )
    family.refresh_from_db()
    assert family.team == manager.team
    assert Allocation.objects.filter(family=family, end_date__isnull=True).count() == 1


def test_the_new_worker_must_be_in_the_new_team(family, manager, other_team, bob):
    with pytest.raises(ValidationError, match="social worker in the family's team"):
        family_transfer(
            family=family,
            to_team=other_team,
            to_worker=bob,
            on=days_ago(0),
            handover_note="Note",
            expected_version=family.version,
            acting_user=manager,
        )


def test_a_worker_leaving_hands_all_their_open_families_on(team, alice, bob, manager):
    families = [
        family_create(
            locality=team.locality,
            team=team,
            social_worker=alice,
            opened_on=days_ago(50),
            acting_user=manager,
        )
        for _ in range(3)
    ]
    closed(families[2], 10)

    transfers = caseload_transfer(
        from_worker=alice,
        to_worker=bob,
        on=days_ago(0),
        handover_note="Alice leaves on Friday",
        acting_user=manager,
    )

    assert sorted(t.family_id for t in transfers) == sorted(f.pk for f in families[:2])
    assert set(Family.objects.filter(social_worker=bob)) == set(families[:2])
    # The closed family stays where it closed: its record is history, not work to hand on.
    assert not Transfer.objects.filter(family=families[2]).exists()
    assert Family.objects.get(pk=families[2].pk).social_worker == alice


def test_a_transfer_to_the_same_team_and_worker_is_refused(family, manager, alice):
    with pytest.raises(ValidationError, match="another team or another social worker"):
        family_transfer(
            family=family,
            to_team=alice.team,
            to_worker=alice,
            on=days_ago(0),
            handover_note="Note",
            expected_version=family.version,
            acting_user=manager,
        )


def test_a_transfer_across_localities_is_seen_by_the_new_service_manager(
    family, manager, make_user
):
    elsewhere = TeamFactory(name="SASS North", locality__name="North")
    north_manager = make_user(Role.SERVICE_MANAGER, username="nora", locality=elsewhere.locality)
    family_transfer(
        family=family,
        to_team=elsewhere,
        to_worker=None,
        on=days_ago(0),
        handover_note="Moved to Northtown",
        expected_version=family.version,
        acting_user=manager,
    )
    assert Family.objects.get(pk=family.pk) in family_list_for(north_manager)
