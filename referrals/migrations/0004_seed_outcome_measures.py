"""PHQ-9 and GAD-7 (free to use, with their published items and bands), and the Recovery Star
as its ten areas scored 1 to 10 only: the Star's descriptions and "Journey of Change" text are
its publisher's copyright and are not reproduced here."""

from django.db import migrations

FREQUENCY = {
    "0": "Not at all",
    "1": "Several days",
    "2": "More than half the days",
    "3": "Nearly every day",
}

PHQ9_ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself, or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed, or the opposite: "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
]

GAD7_ITEMS = [
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
]

RECOVERY_STAR_AREAS = [
    "Managing mental health",
    "Physical health and self-care",
    "Living skills",
    "Social networks",
    "Work",
    "Relationships",
    "Addictive behaviour",
    "Responsibilities",
    "Identity and self-esteem",
    "Trust and hope",
]

MEASURES = [
    {
        "code": "phq-9",
        "name": "PHQ-9 (depression)",
        "items": [{"key": f"phq9_{n}", "text": text} for n, text in enumerate(PHQ9_ITEMS, 1)],
        "scale_min": 0,
        "scale_max": 3,
        "response_labels": FREQUENCY,
        "has_total": True,
        "bands": [
            {"min": 0, "max": 4, "label": "Minimal"},
            {"min": 5, "max": 9, "label": "Mild"},
            {"min": 10, "max": 14, "label": "Moderate"},
            {"min": 15, "max": 19, "label": "Moderately severe"},
            {"min": 20, "max": 27, "label": "Severe"},
        ],
        "alert_items": ["phq9_9"],
        "alert_text": "Thoughts of self-harm were reported (item 9): act on this today, "
        "whatever the total score, following your service's risk procedure.",
    },
    {
        "code": "gad-7",
        "name": "GAD-7 (anxiety)",
        "items": [{"key": f"gad7_{n}", "text": text} for n, text in enumerate(GAD7_ITEMS, 1)],
        "scale_min": 0,
        "scale_max": 3,
        "response_labels": FREQUENCY,
        "has_total": True,
        "bands": [
            {"min": 0, "max": 4, "label": "Minimal"},
            {"min": 5, "max": 9, "label": "Mild"},
            {"min": 10, "max": 14, "label": "Moderate"},
            {"min": 15, "max": 21, "label": "Severe"},
        ],
        "alert_items": [],
        "alert_text": "",
    },
    {
        "code": "recovery-star",
        "name": "Recovery Star",
        "items": [
            {"key": f"star_{n}", "text": text} for n, text in enumerate(RECOVERY_STAR_AREAS, 1)
        ],
        "scale_min": 1,
        "scale_max": 10,
        "response_labels": {},
        "has_total": False,
        "bands": [],
        "alert_items": [],
        "alert_text": "",
    },
]


def create_measures(apps, schema_editor):
    OutcomeMeasure = apps.get_model("referrals", "OutcomeMeasure")
    for measure in MEASURES:
        OutcomeMeasure.objects.update_or_create(
            code=measure["code"], defaults={k: v for k, v in measure.items() if k != "code"}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0003_outcome_measures"),
    ]

    operations = [
        migrations.RunPython(create_measures, migrations.RunPython.noop),
    ]
