"""The five pathways of DOMAIN.md exist in every council from the start."""

from django.db import migrations

PATHWAYS = [
    ("dmt", "Dads Matter Too"),
    ("substance_use", "Substance use"),
    ("domestic_abuse_victim", "Domestic abuse (victims)"),
    ("domestic_abuse_perpetrator", "Domestic abuse (perpetrators)"),
    ("mental_health", "Mental health"),
]


def create_pathways(apps, schema_editor):
    Pathway = apps.get_model("referrals", "Pathway")
    for code, name in PATHWAYS:
        Pathway.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_pathways, migrations.RunPython.noop),
    ]
