"""People belong to families through dated memberships; a child's father is a relationship.

The old columns are copied here and removed in 0007 (after referrals 0009 has read them).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from families.migrations._fingerprint import row_digest


def people_into_memberships(apps, schema_editor):
    """Each person's one family and role become a membership (joined "from the start"), and
    each child's father link a parent relationship: birth for a father, step for a father
    figure (the only kinds the old column allowed)."""
    Person = apps.get_model("families", "Person")
    Membership = apps.get_model("families", "Membership")
    Relationship = apps.get_model("families", "Relationship")
    Membership.objects.bulk_create(
        (
            Membership(person_id=person_id, family_id=family_id, role=role)
            for person_id, family_id, role in Person.objects.values_list(
                "id", "family_id", "role"
            ).iterator()
        ),
        batch_size=2000,
    )
    Relationship.objects.bulk_create(
        (
            Relationship(
                person_id=father_id,
                relative_id=child_id,
                kind="parent",
                parent_type="birth" if father_role == "father" else "step",
            )
            for child_id, father_id, father_role in Person.objects.filter(father__isnull=False)
            .values_list("id", "father_id", "father__role")
            .iterator()
        ),
        batch_size=2000,
    )


def imported_people_keep_their_provenance(apps, schema_editor):
    """A person the case import created, and nobody has changed since, stays importable: their
    fingerprint is taken again without the columns that moved (and with the new, empty
    expected date), and their migrated membership becomes an imported record of the same runs.
    A person changed in DMT keeps the stale fingerprint, so a re-import still refuses them."""
    Person = apps.get_model("families", "Person")
    Membership = apps.get_model("families", "Membership")
    ImportedRecord = apps.get_model("families", "ImportedRecord")
    records = ImportedRecord.objects.filter(object_type="families.person")
    people = Person.objects.in_bulk([record.object_id for record in records])
    memberships = {m.person_id: m for m in Membership.objects.filter(person_id__in=people)}
    for record in records:
        person = people.get(record.object_id)
        if person is None or record.fingerprint != row_digest(person, leave_out={"expected_on"}):
            continue
        record.fingerprint = row_digest(person, leave_out={"family_id", "role", "father_id"})
        record.save(update_fields=["fingerprint"])
        membership = memberships[person.pk]
        ImportedRecord.objects.create(
            object_type="families.membership",
            object_id=membership.pk,
            reference=record.reference,
            fingerprint=row_digest(membership),
            created_by_id=record.created_by_id,
            written_by_id=record.written_by_id,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0005_case_import_provenance"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="expected_on",
            field=models.DateField(blank=True, null=True, verbose_name="expected date of delivery"),
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("child", "Child"),
                            ("mother", "Mother"),
                            ("father", "Father"),
                            ("father_figure", "Father figure"),
                            ("carer", "Carer"),
                            ("other_adult", "Other adult"),
                        ],
                        max_length=20,
                    ),
                ),
                ("joined_on", models.DateField(blank=True, null=True)),
                ("left_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("version", models.PositiveIntegerField(default=1)),
                (
                    "family",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="families.family",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="families.person",
                    ),
                ),
            ],
            options={
                "ordering": ["family", "role", "person__date_of_birth", "person__given_name"],
                "indexes": [
                    models.Index(fields=["family", "role"], name="membership_family_role_idx")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("left_on__isnull", True),
                            ("joined_on__isnull", True),
                            ("left_on__gte", models.F("joined_on")),
                            _connector="OR",
                        ),
                        name="membership_left_not_before_joined",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("left_on__isnull", True)),
                        fields=("person", "family"),
                        name="membership_one_current_per_family",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PersonName",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("given_name", models.CharField(max_length=100)),
                ("family_name", models.CharField(blank=True, max_length=100)),
                ("until", models.DateField(default=django.utils.timezone.localdate)),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="former_names",
                        to="families.person",
                    ),
                ),
            ],
            options={
                "ordering": ["person", "-until", "-id"],
                "indexes": [
                    models.Index(
                        fields=["family_name", "given_name"], name="person_former_name_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Relationship",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("parent", "Parent of"),
                            ("partner", "Partner of"),
                            ("ex_partner", "Ex-partner of"),
                            ("sibling", "Sibling of"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "parent_type",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("birth", "Birth parent"),
                            ("step", "Step-parent"),
                            ("adoptive", "Adoptive parent"),
                            ("special_guardian", "Special guardian"),
                        ],
                        max_length=20,
                    ),
                ),
                ("started_on", models.DateField(blank=True, null=True)),
                ("ended_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="relationships",
                        to="families.person",
                    ),
                ),
                (
                    "relative",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="relationships_as_relative",
                        to="families.person",
                    ),
                ),
            ],
            options={
                "ordering": ["relative", "kind", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("person", models.F("relative")), _negated=True),
                        name="relationship_not_to_self",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "parent"), ("parent_type__gt", "")),
                            models.Q(
                                models.Q(("kind", "parent"), _negated=True), ("parent_type", "")
                            ),
                            _connector="OR",
                        ),
                        name="relationship_parent_type_for_parents_only",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("ended_on__isnull", True),
                            ("started_on__isnull", True),
                            ("ended_on__gte", models.F("started_on")),
                            _connector="OR",
                        ),
                        name="relationship_end_not_before_start",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("ended_on__isnull", True)),
                        fields=("person", "relative", "kind"),
                        name="relationship_one_current_per_kind",
                    ),
                ],
            },
        ),
        migrations.RunPython(people_into_memberships, migrations.RunPython.noop),
        migrations.RunPython(imported_people_keep_their_provenance, migrations.RunPython.noop),
    ]
