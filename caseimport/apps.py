from django.apps import AppConfig


class CaseImportConfig(AppConfig):
    """The case import: a bundle from another system, written through every case app's
    rules (so it sits above families and referrals). Its provenance tables,
    families.ImportRun and families.ImportedRecord, stay with the records they describe."""

    name = "caseimport"
    verbose_name = "Case import"
