"""The person's one family, role and father columns go: memberships and relationships hold
them now (copied in 0006; referrals 0009 read them for each referral's family).

Backwards, a person's earliest membership gives their family and role again, and a parent
link whose parent is a father or father figure their father.
"""

import django.db.models.deletion
from django.db import migrations, models


def memberships_back_into_people(apps, schema_editor):
    Person = apps.get_model("families", "Person")
    Membership = apps.get_model("families", "Membership")
    Relationship = apps.get_model("families", "Relationship")
    # Latest first, so each person's earliest membership is the one left standing.
    for membership in Membership.objects.order_by("-id").iterator():
        Person.objects.filter(pk=membership.person_id).update(
            family_id=membership.family_id, role=membership.role
        )
    for link in Relationship.objects.filter(
        kind="parent", person__memberships__role__in=["father", "father_figure"]
    ).distinct():
        Person.objects.filter(pk=link.relative_id).update(father_id=link.person_id)


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0006_people_in_households"),
        ("referrals", "0009_referral_family"),
    ]

    operations = [
        # Nullable first, so that going backwards re-adds the columns before refilling them.
        migrations.AlterField(
            model_name="person",
            name="family",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="people",
                to="families.family",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="role",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
        migrations.RunPython(migrations.RunPython.noop, memberships_back_into_people),
        migrations.AlterModelOptions(
            name="person",
            options={
                "ordering": ["family_name", "given_name", "id"],
                "verbose_name_plural": "people",
            },
        ),
        migrations.RemoveField(model_name="person", name="family"),
        migrations.RemoveField(model_name="person", name="father"),
        migrations.RemoveField(model_name="person", name="role"),
    ]
