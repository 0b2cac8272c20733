"""Query budgets that depend on the database, for the query-count guards."""

import math

from django.db import connection

from accounts.models import AuditEvent


def extra_audit_batches(rows: int) -> int:
    """INSERTs beyond the first that audit_record_many needs for `rows` audit rows on this
    database: none on PostgreSQL up to 1,000 rows; on SQLite one per 99 rows or so (its limit
    on the parameters of one statement)."""
    if rows == 0:
        return 0
    fields = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    per_insert = min(1000, connection.ops.bulk_batch_size(fields, [AuditEvent()] * rows))
    return math.ceil(rows / per_insert) - 1
