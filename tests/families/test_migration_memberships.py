"""The data migration that moved each person's family, role and father into memberships and
relationships, and each referral's family onto the referral: nothing lost, both ways."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from caseimport import importer
from families.migrations._fingerprint import row_digest
from families.models import ImportedRecord, Membership, Person
from referrals.models import Referral as CurrentReferral

BEFORE = [("families", "0005_case_import_provenance"), ("referrals", "0008_reviews")]
AFTER = [
    ("families", "0007_person_family_role_father_removed"),
    ("referrals", "0009_referral_family"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_world(transactional_db):
    """Two families as the old schema held them, a referral of the father."""
    apps = migrate(BEFORE)
    Locality = apps.get_model("accounts", "Locality")
    Family = apps.get_model("families", "Family")
    Person = apps.get_model("families", "Person")
    Pathway = apps.get_model("referrals", "Pathway")
    Referral = apps.get_model("referrals", "Referral")
    west = Locality.objects.create(name="Migration West")
    opened = datetime.date(2024, 1, 1)
    wellstead = Family.objects.create(reference="MIG-1", locality=west, opened_on=opened)
    ashdown = Family.objects.create(reference="MIG-2", locality=west, opened_on=opened)
    darius = Person.objects.create(
        reference="MIG-P1", family=wellstead, role="father", given_name="Darius"
    )
    riley = Person.objects.create(
        reference="MIG-P2", family=wellstead, role="child", given_name="Riley", father=darius
    )
    gary = Person.objects.create(
        reference="MIG-P3", family=ashdown, role="father_figure", given_name="Gary"
    )
    amy = Person.objects.create(
        reference="MIG-P4", family=ashdown, role="child", given_name="Amy", father=gary
    )
    Person.objects.create(reference="MIG-P5", family=ashdown, role="mother", given_name="Mia")
    Referral.objects.create(
        reference="MIG-R1",
        person=darius,
        pathway=Pathway.objects.get_or_create(code="dmt", defaults={"name": "Dads Matter Too"})[0],
        referred_on=datetime.date(2024, 2, 1),
    )
    # Darius and his referral came from a case import and nobody has changed them since; Riley
    # was imported too but has been edited in DMT since (his fingerprint is stale).
    ImportRun = apps.get_model("families", "ImportRun")
    ImportedRecord = apps.get_model("families", "ImportedRecord")
    run = ImportRun.objects.create()
    referral = Referral.objects.get(reference="MIG-R1")
    for obj, fingerprint in [
        (darius, row_digest(darius)),
        (riley, "stale"),
        (referral, row_digest(referral)),
    ]:
        ImportedRecord.objects.create(
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            reference=obj.reference,
            fingerprint=fingerprint,
            created_by=run,
            written_by=run,
        )
    yield {"darius": darius.pk, "riley": riley.pk, "gary": gary.pk, "amy": amy.pk}
    # Back to the newest migration of every app, whatever came after these ones.
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_people_become_members_and_fathers_parents(old_world):
    apps = migrate(AFTER)
    Membership = apps.get_model("families", "Membership")
    Relationship = apps.get_model("families", "Relationship")
    Referral = apps.get_model("referrals", "Referral")

    memberships = {
        (m.person.reference, m.family.reference, m.role, m.joined_on, m.left_on)
        for m in Membership.objects.select_related("person", "family")
        if m.person.reference.startswith("MIG-")
    }
    assert memberships == {
        ("MIG-P1", "MIG-1", "father", None, None),
        ("MIG-P2", "MIG-1", "child", None, None),
        ("MIG-P3", "MIG-2", "father_figure", None, None),
        ("MIG-P4", "MIG-2", "child", None, None),
        ("MIG-P5", "MIG-2", "mother", None, None),
    }
    links = {
        (link.person_id, link.relative_id, link.kind, link.parent_type)
        for link in Relationship.objects.all()
    }
    assert links == {
        (old_world["darius"], old_world["riley"], "parent", "birth"),
        (old_world["gary"], old_world["amy"], "parent", "step"),
    }
    assert Referral.objects.get(reference="MIG-R1").family.reference == "MIG-1"


def test_going_back_restores_the_columns(old_world):
    migrate(AFTER)
    apps = migrate(BEFORE)
    Person = apps.get_model("families", "Person")

    restored = {
        person.reference: (person.family.reference, person.role, person.father_id)
        for person in Person.objects.filter(reference__startswith="MIG-")
    }
    assert restored == {
        "MIG-P1": ("MIG-1", "father", None),
        "MIG-P2": ("MIG-1", "child", old_world["darius"]),
        "MIG-P3": ("MIG-2", "father_figure", None),
        "MIG-P4": ("MIG-2", "child", old_world["gary"]),
        "MIG-P5": ("MIG-2", "mother", None),
    }


def test_imported_records_nobody_changed_stay_importable(old_world):
    migrate(AFTER)

    darius = Person.objects.get(pk=old_world["darius"])
    records = {
        (record.object_type, record.object_id): record for record in ImportedRecord.objects.all()
    }
    assert records[("families.person", darius.pk)].fingerprint == importer.fingerprint(darius)
    membership = Membership.objects.get(person=darius)
    assert records[("families.membership", membership.pk)].fingerprint == (
        importer.fingerprint(membership)
    )
    referral = CurrentReferral.objects.get(reference="MIG-R1")
    assert records[("referrals.referral", referral.pk)].fingerprint == (
        importer.fingerprint(referral)
    )
    # Riley was changed in DMT: still stale, and his membership no imported record.
    riley = Person.objects.get(pk=old_world["riley"])
    assert records[("families.person", riley.pk)].fingerprint == "stale"
    assert ("families.membership", Membership.objects.get(person=riley).pk) not in records


def test_the_migrations_copy_of_the_fingerprint_is_the_importers(db):
    from ..factories import PersonFactory

    child = PersonFactory()
    assert row_digest(child) == importer.fingerprint(child)
    assert row_digest(child.membership) == importer.fingerprint(child.membership)
