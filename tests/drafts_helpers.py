"""Shared steps of the draft tests (accounts.drafts): the page script's autosave, and what a
form page shows of a kept draft."""

import json

from django.test import Client
from django.urls import reverse

from accounts.services import DRAFT_MAX_BYTES

SAVE = reverse("accounts:draft_save")
TOO_LONG = "x" * DRAFT_MAX_BYTES


def autosave(client: Client, key: str, data: dict[str, list[str]]):
    """What static/js/drafts.js sends a moment after each change."""
    return client.post(
        SAVE, json.dumps({"key": key, "data": data}), content_type="application/json"
    )


def banner_offers(page: str, text: str) -> bool:
    """The "Unsaved work" banner is shown (not hidden) and holds `text`, to read or restore."""
    start = page.find("data-draft-banner")
    return (
        start != -1
        and not page[start : page.find(">", start)].endswith(" hidden")
        and "Unsaved work" in page
        and text in page[start:]
    )
