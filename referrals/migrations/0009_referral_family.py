"""Each referral names the family it was made in: until now, its person's one family."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def family_of_each_referral(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Person = apps.get_model("families", "Person")
    Referral.objects.update(
        family_id=Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("family_id"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0008_reviews"),
        ("families", "0006_people_in_households"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="family",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="families.family",
            ),
        ),
        migrations.RunPython(family_of_each_referral, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="referral",
            name="family",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="referrals",
                to="families.family",
            ),
        ),
    ]
