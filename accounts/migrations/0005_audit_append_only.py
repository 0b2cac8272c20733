"""The audit trail is evidence: on PostgreSQL a trigger refuses every UPDATE and DELETE of
an audit row, whoever asks (the application, Django admin, a management command or someone
at a psql prompt with the application's role). Rows are only ever added.

TRUNCATE is left alone (it fires no row trigger): the test suite empties tables between
transactional tests with it, and only the database owner may run it. A later migration that
must rewrite audit rows has to drop and recreate this trigger explicitly, in plain sight.
SQLite (the embedded demo database) has no such guard."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % of an audit row is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, None)  # None: the "%" in RAISE is not a parameter


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_reference_and_category"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
