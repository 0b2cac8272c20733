import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent, Draft
from accounts.services import DRAFT_MAX_BYTES, draft_discard, draft_save

pytestmark = pytest.mark.django_db

KEY = "contact:family:12"


def test_a_draft_keeps_what_the_user_has_typed(alice):
    draft_save(user=alice, key=KEY, data={"note": "Visited at ho"})

    assert Draft.objects.get(user=alice, key=KEY).data == {"note": "Visited at ho"}


def test_saving_again_updates_the_same_draft_in_place(alice):
    first = draft_save(user=alice, key=KEY, data={"note": "Visited at ho"})

    second = draft_save(user=alice, key=KEY, data={"note": "Visited at home.", "kind": "phone"})

    assert second.pk == first.pk
    assert list(Draft.objects.values_list("key", "data")) == [
        (KEY, {"note": "Visited at home.", "kind": "phone"})
    ]


def test_each_user_has_their_own_draft_for_the_same_form(alice, bob):
    draft_save(user=alice, key=KEY, data={"note": "Alice's"})
    draft_save(user=bob, key=KEY, data={"note": "Bob's"})

    assert dict(Draft.objects.values_list("user__username", "data")) == {
        "alice": {"note": "Alice's"},
        "bob": {"note": "Bob's"},
    }


def test_each_form_has_its_own_draft(alice):
    draft_save(user=alice, key=KEY, data={"note": "one"})
    draft_save(user=alice, key="contact:family:13", data={"note": "two"})

    assert Draft.objects.filter(user=alice).count() == 2


def test_a_draft_that_is_too_long_is_refused_and_the_old_one_kept(alice):
    draft_save(user=alice, key=KEY, data={"note": "short"})

    with pytest.raises(ValidationError, match="too long"):
        draft_save(user=alice, key=KEY, data={"note": "x" * DRAFT_MAX_BYTES})

    assert Draft.objects.get(user=alice, key=KEY).data == {"note": "short"}


def test_a_draft_just_under_the_limit_is_kept(alice):
    data = {"note": "x" * (DRAFT_MAX_BYTES - 100)}

    draft_save(user=alice, key=KEY, data=data)

    assert Draft.objects.get(user=alice, key=KEY).data == data


def test_the_limit_counts_bytes_not_characters(alice):
    # "é" is two bytes in UTF-8: 60% of the limit in characters is 120% in bytes.
    with pytest.raises(ValidationError, match="too long"):
        draft_save(user=alice, key=KEY, data={"note": "é" * int(DRAFT_MAX_BYTES * 0.6)})

    assert not Draft.objects.exists()


def test_discarding_removes_only_the_users_draft_for_that_form(alice, bob):
    draft_save(user=alice, key=KEY, data={"note": "Alice's"})
    draft_save(user=alice, key="contact:family:13", data={"note": "Alice's other"})
    draft_save(user=bob, key=KEY, data={"note": "Bob's"})

    draft_discard(user=alice, key=KEY)

    assert sorted(Draft.objects.values_list("user__username", "key")) == [
        ("alice", "contact:family:13"),
        ("bob", KEY),
    ]


def test_discarding_a_draft_that_is_not_there_is_harmless(alice):
    draft_discard(user=alice, key=KEY)

    assert not Draft.objects.exists()


def test_drafts_are_not_audited(alice):
    draft_save(user=alice, key=KEY, data={"note": "Visited at ho"})
    draft_discard(user=alice, key=KEY)

    assert not AuditEvent.objects.exists()
