"""A child's status episodes may not overlap: enforced by PostgreSQL itself.

SQLite has no exclusion constraints; there the service check in
families.services.child_status_change (and the importer's check) is the guard.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE families_statusepisode
  ADD CONSTRAINT status_episode_no_overlap
  EXCLUDE USING gist (child_id WITH =, daterange(start_date, end_date, '[]') WITH &&);
"""
DROP = "ALTER TABLE families_statusepisode DROP CONSTRAINT IF EXISTS status_episode_no_overlap;"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False),
    ]
