"""Nothing of families is in Django admin, deliberately.

Families, people, status episodes, contacts, allocations, closures, chronologies and plans are
case records: administrators run the system and see none of them, and every change goes
through families.services, which validates it, keeps the workflows (closure approval, status
history) and audits it. The case import has its own page (caseimport.views).
tests/accounts/test_admin_changes_audited.py fails if a case record is ever registered.
"""
