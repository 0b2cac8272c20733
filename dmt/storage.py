"""The production store for static files."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # WhiteNoise has no types
    """WhiteNoise's hashed, compressed files, with ES module imports hashed too.

    static/js/govuk-init.js imports GOV.UK Frontend's module. Rewriting the import to the
    hashed name means the page and its imports come from one release, each cached for good.
    """

    support_js_module_import_aggregation = True
