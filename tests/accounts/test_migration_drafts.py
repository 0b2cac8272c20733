"""Drafts moved from families to accounts: every draft kept before the move is still there
after it, for the same user and form, with the time it was typed; and going back keeps them."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Draft

BEFORE = [("families", "0008_involvement_periods_and_transfers")]
AFTER = [("families", "0009_drafts_move_to_accounts")]
TYPED_AT = datetime.datetime(2026, 3, 4, 9, 30, tzinfo=datetime.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_drafts(transactional_db):
    apps = migrate(BEFORE)
    User = apps.get_model("accounts", "User")
    Draft = apps.get_model("families", "Draft")
    alice = User.objects.create(username="mig-alice")
    bob = User.objects.create(username="mig-bob")
    Draft.objects.create(user=alice, key="contact:family:7", data={"note": ["Visited at ho"]})
    Draft.objects.create(user=bob, key="contact:family:7", data={"note": ["Bob's own"]})
    Draft.objects.update(updated_at=TYPED_AT)
    yield {"alice": alice.pk, "bob": bob.pk}
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def kept(apps, app_label):
    Draft = apps.get_model(app_label, "Draft")
    return sorted(Draft.objects.values_list("user__username", "key", "data", "updated_at"))


def test_every_draft_survives_the_move_to_accounts(old_drafts):
    apps = migrate(AFTER)

    assert kept(apps, "accounts") == [
        ("mig-alice", "contact:family:7", {"note": ["Visited at ho"]}, TYPED_AT),
        ("mig-bob", "contact:family:7", {"note": ["Bob's own"]}, TYPED_AT),
    ]


def test_a_new_draft_after_the_move_gets_a_fresh_id(old_drafts):
    apps = migrate(AFTER)
    Draft = apps.get_model("accounts", "Draft")

    Draft.objects.create(user_id=old_drafts["alice"], key="contact:family:8", data={})

    assert Draft.objects.count() == 3


def test_going_back_keeps_the_drafts_too(old_drafts):
    migrate(AFTER)

    apps = migrate(BEFORE)

    assert kept(apps, "families") == [
        ("mig-alice", "contact:family:7", {"note": ["Visited at ho"]}, TYPED_AT),
        ("mig-bob", "contact:family:7", {"note": ["Bob's own"]}, TYPED_AT),
    ]
    assert not Draft.objects.exists()  # accounts' table stays (its migration is not undone)
