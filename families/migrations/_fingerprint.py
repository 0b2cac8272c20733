"""Shared by the migrations that move columns under the case import's provenance."""

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

# The importer's fingerprint (caseimport.importer.fingerprint), copied here as it stood: a
# migration must not depend on code that may change after it.
_UNFINGERPRINTED = {"id", "created_at", "updated_at"}


def _digest(value):
    text = json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def row_digest(obj, *, leave_out=()):
    return _digest(
        {
            field.attname: field.value_from_object(obj)
            for field in obj._meta.concrete_fields
            if field.attname not in _UNFINGERPRINTED and field.attname not in leave_out
        }
    )
