"""Audit rows name records by reference, never by a person's name, and say whether they are
about cases or the system (sign-ins, staff, configuration): administrators read only the
latter. Existing rows are brought into line: the old free-text description (which held
names, e.g. "R-...: <name> to Domestic abuse (victims)") is replaced by the record's
reference where one can be told, and detail that held typed text (search terms, reasons) is
removed. This runs before the table becomes append-only (0005)."""

from django.db import migrations, models

SIGN_IN_ACTIONS = {"login", "login_failed", "logout"}
SYSTEM_TYPES = {
    "accounts.user",
    "accounts.team",
    "accounts.locality",
    "accounts.partneragency",
    "referrals.pathway",
    "referrals.pathwaystage",
    "referrals.eligibilityrule",
    "referrals.outcomemeasure",
}
# Detail keys that held text typed by a user, or parameters with free text.
TEXT_KEYS = {"search", "closure_reason", "params", "parameters", "group"}


def _reference(event, usernames):
    if event.object_type == "families.family":
        return event.object_repr  # a family's description was its reference
    if event.object_type == "referrals.referral":
        return event.object_repr.split(":", 1)[0]  # "R-...: <name> to <pathway>"
    if event.object_type == "accounts.user":
        return usernames.get(event.object_id, "")
    return ""


def _detail(detail):
    kept = {}
    for key, value in (detail or {}).items():
        if key in TEXT_KEYS:
            continue
        if key == "cancelled":
            value = True
        elif key == "ineligible" and isinstance(value, list):
            value = len(value)
        elif isinstance(value, str) and any(character.isspace() for character in value):
            continue
        kept[key] = value
    return kept


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    User = apps.get_model("accounts", "User")
    db = schema_editor.connection.alias
    usernames = {str(pk): name for pk, name in User.objects.using(db).values_list("pk", "username")}
    batch = []
    for event in AuditEvent.objects.using(db).order_by("pk").iterator(chunk_size=2000):
        event.object_reference = _reference(event, usernames)[:150]
        event.category = (
            "system"
            if (not event.object_type and event.action in SIGN_IN_ACTIONS)
            or event.object_type in SYSTEM_TYPES
            else "case"
        )
        event.detail = _detail(event.detail)
        batch.append(event)
        if len(batch) == 2000:
            AuditEvent.objects.using(db).bulk_update(
                batch, ["object_reference", "category", "detail"]
            )
            batch = []
    AuditEvent.objects.using(db).bulk_update(batch, ["object_reference", "category", "detail"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_team_fathers_training_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="category",
            field=models.CharField(
                choices=[("case", "Case records"), ("system", "Sign-in, staff and configuration")],
                default="case",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="object_reference",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="auditevent",
            name="object_repr",
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["category", "at"], name="audit_category_at_idx"),
        ),
    ]
