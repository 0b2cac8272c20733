"""Each pathway's stages, and Dads Matter Too's eligibility over time (DOMAIN.md): the pilot
(March 2022 to March 2023) took fathers aged 16 to 30 with a child under 1; later, the
father of any child on a child protection plan or in pre-proceedings. The pilot's areas are
each council's own, so no locality rule is seeded: a manager adds it."""

import datetime

from django.db import migrations

STANDARD = [
    ("referral", "Referral", False),
    ("allocated", "Allocated", False),
    ("intervention", "Intervention", False),
    ("closed", "Closed", True),
]
MENTAL_HEALTH = [
    ("referral", "Referral", False),
    ("mi-before-assessment", "Motivational interviewing before assessment", False),
    ("assessment", "Assessment", False),
    ("mi-before-treatment", "Motivational interviewing before treatment", False),
    ("treatment", "Treatment", False),
    ("closed", "Closed", True),
]
PILOT_START, PILOT_END = datetime.date(2022, 3, 1), datetime.date(2023, 3, 31)
DMT_RULES = [
    ("adult_age_between", {"min": 16, "max": 30}, PILOT_START, PILOT_END),
    ("child_under_months", {"months": 12}, PILOT_START, PILOT_END),
    (
        "child_status_in",
        {"statuses": ["cp", "pre_proceedings"]},
        PILOT_END + datetime.timedelta(days=1),
        None,
    ),
]


def seed(apps, schema_editor):
    Pathway = apps.get_model("referrals", "Pathway")
    PathwayStage = apps.get_model("referrals", "PathwayStage")
    EligibilityRule = apps.get_model("referrals", "EligibilityRule")
    for pathway in Pathway.objects.all():
        stages = MENTAL_HEALTH if pathway.code == "mental_health" else STANDARD
        for order, (code, name, closed) in enumerate(stages, 1):
            PathwayStage.objects.get_or_create(
                pathway=pathway,
                code=code,
                defaults={"name": name, "order": order, "is_closed": closed},
            )
    dmt = Pathway.objects.filter(code="dmt").first()
    if dmt is not None and not EligibilityRule.objects.filter(pathway=dmt).exists():
        for kind, params, start, end in DMT_RULES:
            EligibilityRule.objects.create(
                pathway=dmt, kind=kind, params=params, in_force_from=start, in_force_to=end
            )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0005_referral_lifecycle"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
