"""Each referral names the family it was made in: until now, its person's one family."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

from families.migrations._fingerprint import row_digest


def family_of_each_referral(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Person = apps.get_model("families", "Person")
    ImportedRecord = apps.get_model("families", "ImportedRecord")
    # Which imported referrals nobody has changed since, judged before the new column fills.
    records = list(ImportedRecord.objects.filter(object_type="referrals.referral"))
    referrals = Referral.objects.in_bulk([record.object_id for record in records])
    unchanged = [
        record
        for record in records
        if record.object_id in referrals
        and record.fingerprint == row_digest(referrals[record.object_id], leave_out={"family_id"})
    ]
    Referral.objects.update(
        family_id=Subquery(Person.objects.filter(pk=OuterRef("person_id")).values("family_id"))
    )
    # ...and their fingerprints again, with the family each now names.
    refreshed = Referral.objects.in_bulk([record.object_id for record in unchanged])
    for record in unchanged:
        record.fingerprint = row_digest(refreshed[record.object_id])
        record.save(update_fields=["fingerprint"])


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
