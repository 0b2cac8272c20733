# Drafts now live in accounts (accounts.drafts): every draft kept so far is copied across,
# with when it was typed, before the families table goes; undone, they are copied back.

from django.core.management.color import no_style
from django.db import migrations


def copy(apps, schema_editor, source: str, target: str) -> None:
    Source = apps.get_model(*source.split("."))
    Target = apps.get_model(*target.split("."))
    drafts = list(Source.objects.all())
    Target.objects.bulk_create(
        Target(id=draft.id, user_id=draft.user_id, key=draft.key, data=draft.data)
        for draft in drafts
    )
    # auto_now stamped them with the migration's time: keep when each was last typed.
    for draft in drafts:
        Target.objects.filter(id=draft.id).update(updated_at=draft.updated_at)
    Source.objects.all().delete()  # moved, not copied: undone and redone, none is doubled
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Target]):
            cursor.execute(statement)


def forwards(apps, schema_editor) -> None:
    copy(apps, schema_editor, "families.Draft", "accounts.Draft")


def backwards(apps, schema_editor) -> None:
    copy(apps, schema_editor, "accounts.Draft", "families.Draft")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_draft"),
        ("families", "0008_involvement_periods_and_transfers"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="Draft"),
    ]
