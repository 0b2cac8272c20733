import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import AuditEvent
from families.models import LegalStatus, Membership, StatusEpisode
from families.services import child_status_change

from ..factories import PersonFactory

pytestmark = pytest.mark.django_db

MARCH_1 = datetime.date(2024, 3, 1)


def test_stepping_down_ends_the_current_episode_the_day_before(alice):
    child = PersonFactory()
    child_status_change(child=child, status=LegalStatus.CP, start_date=MARCH_1, acting_user=alice)

    child_status_change(
        child=child, status=LegalStatus.CIN, start_date=datetime.date(2024, 9, 9), acting_user=alice
    )

    assert list(child.status_episodes.values_list("status", "start_date", "end_date")) == [
        ("cp", MARCH_1, datetime.date(2024, 9, 8)),
        ("cin", datetime.date(2024, 9, 9), None),
    ]


def test_each_change_is_audited_with_who_and_what(alice):
    child = PersonFactory()

    child_status_change(child=child, status=LegalStatus.CP, start_date=MARCH_1, acting_user=alice)

    event = AuditEvent.objects.get(object_type="families.person", object_id=str(child.pk))
    assert (event.actor, event.action) == (alice, "update")
    assert event.detail == {
        "field": "legal_status",
        "from": None,
        "to": "cp",
        "start_date": "2024-03-01",
    }


def test_stepping_out_leaves_the_child_at_level_zero(alice):
    child = PersonFactory()
    child_status_change(child=child, status=LegalStatus.CIN, start_date=MARCH_1, acting_user=alice)

    episode = child_status_change(
        child=child, status=None, start_date=datetime.date(2024, 6, 1), acting_user=alice
    )

    assert episode is None
    assert not StatusEpisode.objects.filter(child=child).covering(datetime.date(2024, 6, 1))
    assert StatusEpisode.objects.get(child=child).end_date == datetime.date(2024, 5, 31)


def test_a_change_dated_before_the_current_status_changes_nothing(alice):
    child = PersonFactory()
    child_status_change(child=child, status=LegalStatus.CP, start_date=MARCH_1, acting_user=alice)
    audit_rows = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as error:
        child_status_change(
            child=child,
            status=LegalStatus.CIN,
            start_date=datetime.date(2024, 2, 1),
            acting_user=alice,
        )

    assert "must start after 1 March 2024" in str(error.value)
    assert list(child.status_episodes.values_list("status", "end_date")) == [("cp", None)]
    assert AuditEvent.objects.count() == audit_rows


def test_the_same_status_again_is_refused(alice):
    child = PersonFactory()
    child_status_change(child=child, status=LegalStatus.CP, start_date=MARCH_1, acting_user=alice)

    with pytest.raises(ValidationError, match="already Child protection"):
        child_status_change(
            child=child,
            status=LegalStatus.CP,
            start_date=datetime.date(2024, 4, 1),
            acting_user=alice,
        )


def test_an_adult_has_no_legal_status(alice):
    father = PersonFactory(role=Membership.Role.FATHER)

    with pytest.raises(ValidationError, match="Only a child"):
        child_status_change(
            child=father, status=LegalStatus.CP, start_date=MARCH_1, acting_user=alice
        )
    assert not StatusEpisode.objects.exists()


def test_the_database_refuses_an_episode_ending_before_it_starts():
    with pytest.raises(IntegrityError):
        StatusEpisode.objects.create(
            child=PersonFactory(),
            status=LegalStatus.CIN,
            start_date=MARCH_1,
            end_date=datetime.date(2024, 2, 1),
        )
