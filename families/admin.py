"""The case records in the admin, and the admin's case import page (upload, preview, confirm).

The import page keeps a previewed upload in a private temporary folder, named by a random
token held in the admin's session, so the admin confirms exactly the file they previewed.
"""

import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from .importer import FILES, BundleError, ImportResult, import_bundle, read_bundle
from .models import (
    Allocation,
    ChronologyEntry,
    ClosureRequest,
    Contact,
    Family,
    Person,
    Plan,
    PlanAction,
    StatusEpisode,
)

PENDING_IMPORTS_DIR = Path(tempfile.gettempdir()) / "dmt-case-imports"
PENDING_IMPORT_SESSION_KEY = "families_pending_case_import"
PENDING_IMPORT_MAX_AGE_SECONDS = 24 * 60 * 60
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class CaseRecordAdmin(admin.ModelAdmin):
    """Case records are neither read nor changed in Django admin.

    Administrators run the system, not casework, so they see no case records (as in
    families.selectors.family_list_for); every change goes through the services, which
    validate it and write its audit row (STYLE.md: one path for every write). The classes
    stay registered so the import page has a home and their list settings document the data.
    """

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Family)
class FamilyAdmin(CaseRecordAdmin):
    list_display = ["reference", "locality", "team", "social_worker", "cohort", "opened_on"]
    list_filter = ["locality", "team", "cohort", "opened_on", "closed_on"]
    search_fields = ["reference"]
    list_select_related = ["locality", "team", "social_worker"]
    raw_id_fields = ["social_worker"]
    readonly_fields = ["created_at", "updated_at", "version"]
    date_hierarchy = "opened_on"

    def get_urls(self) -> list[URLPattern]:
        import_page = path(
            "import/",
            self.admin_site.admin_view(self.import_cases_view),
            name="families_family_import",
        )
        # Before the default URLs: their "<object_id>/" would swallow "import/".
        return [import_page, *super().get_urls()]

    def import_cases_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a bundle and see the dry run; then confirm to import that same file."""
        # admin_view has already let only the admin role in; the import itself goes through
        # the importer, which validates every row and audits what it writes.
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import cases",
            "files": FILES,
        }
        if request.method == "POST" and "confirm" in request.POST:
            redirect = self._import_confirmed(request, context)
            if redirect is not None:
                return redirect
        elif request.method == "POST":
            self._import_preview(request, context)
        return TemplateResponse(request, "admin/families/import_cases.html", context)

    def _import_preview(self, request: HttpRequest, context: dict[str, Any]) -> None:
        upload = request.FILES.get("bundle")
        if upload is None:
            context["problem"] = "Choose a .zip file holding the bundle."
            return
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            context["problem"] = f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB."
            return
        try:
            bundle = read_bundle(upload)
        except BundleError as error:
            context["problem"] = str(error)
            return
        result = import_bundle(bundle, acting_user=request.user, dry_run=True)  # type: ignore[arg-type]
        context.update(result=result, upload_name=upload.name)
        if result.ok:
            context["token"] = _keep_pending_upload(request, upload)

    def _import_confirmed(
        self, request: HttpRequest, context: dict[str, Any]
    ) -> HttpResponse | None:
        pending = request.session.get(PENDING_IMPORT_SESSION_KEY) or {}
        token = str(pending.get("token", ""))
        posted = request.POST.get("token", "")
        file_path = PENDING_IMPORTS_DIR / f"{token}.zip"
        if not token or not secrets.compare_digest(token, posted) or not file_path.is_file():
            context["problem"] = (
                "That preview is no longer available (it was replaced or has expired). "
                "Upload the file again."
            )
            return None
        try:
            bundle = read_bundle(file_path)
        finally:
            _discard_pending_upload(request)
        result = import_bundle(bundle, acting_user=request.user)  # type: ignore[arg-type]
        if not result.ok:
            # Something changed in the database since the preview.
            context.update(result=result, upload_name=pending.get("name", ""))
            return None
        self.message_user(request, _summary(result), messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:families_family_changelist"))


def _summary(result: ImportResult) -> str:
    counts = "; ".join(f"{name}: {result.counts[name]}" for name in FILES)
    return f"Cases imported. {counts}."


def _keep_pending_upload(request: HttpRequest, upload: UploadedFile) -> str:
    """Store the previewed upload under a fresh random name; the session remembers it."""
    _discard_pending_upload(request)
    PENDING_IMPORTS_DIR.mkdir(mode=0o700, exist_ok=True)
    _discard_abandoned_uploads()
    token = secrets.token_urlsafe(24)
    with (PENDING_IMPORTS_DIR / f"{token}.zip").open("xb") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    request.session[PENDING_IMPORT_SESSION_KEY] = {"token": token, "name": upload.name}
    return token


def _discard_pending_upload(request: HttpRequest) -> None:
    pending = request.session.pop(PENDING_IMPORT_SESSION_KEY, None) or {}
    if pending.get("token"):
        (PENDING_IMPORTS_DIR / f"{pending['token']}.zip").unlink(missing_ok=True)


def _discard_abandoned_uploads() -> None:
    """Previews never confirmed would otherwise stay on disk."""
    cutoff = time.time() - PENDING_IMPORT_MAX_AGE_SECONDS
    for stale in PENDING_IMPORTS_DIR.glob("*.zip"):
        try:
            if stale.stat().st_mtime < cutoff:
                stale.unlink()
        except FileNotFoundError:
            pass  # another request removed it first


@admin.register(Person)
class PersonAdmin(CaseRecordAdmin):
    list_display = ["reference", "given_name", "family_name", "role", "family", "date_of_birth"]
    list_filter = ["role", "sex", "care_experienced", "contact_restricted"]
    search_fields = ["reference", "given_name", "family_name", "family__reference"]
    list_select_related = ["family"]
    raw_id_fields = ["family", "father"]
    readonly_fields = ["created_at", "updated_at", "version"]


@admin.register(StatusEpisode)
class StatusEpisodeAdmin(CaseRecordAdmin):
    list_display = ["child", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["child__reference", "child__given_name", "child__family_name"]
    list_select_related = ["child"]
    raw_id_fields = ["child"]
    date_hierarchy = "start_date"


@admin.register(Contact)
class ContactAdmin(CaseRecordAdmin):
    list_display = ["occurred_at", "kind", "family", "recorded_by", "significant"]
    list_filter = ["kind", "significant"]
    search_fields = ["family__reference", "note"]
    list_select_related = ["family", "recorded_by"]
    raw_id_fields = ["family", "recorded_by", "people_seen", "children_seen_alone"]
    readonly_fields = ["created_at", "updated_at", "version"]
    date_hierarchy = "occurred_at"


@admin.register(Allocation)
class AllocationAdmin(CaseRecordAdmin):
    list_display = ["family", "social_worker", "start_date", "end_date", "allocated_by"]
    search_fields = ["family__reference", "social_worker__username"]
    list_select_related = ["family", "social_worker", "allocated_by"]
    raw_id_fields = ["family", "social_worker", "allocated_by"]


@admin.register(ClosureRequest)
class ClosureRequestAdmin(CaseRecordAdmin):
    list_display = ["family", "closing_on", "reason", "decision", "requested_by", "decided_by"]
    list_filter = ["decision", "reason"]
    search_fields = ["family__reference"]
    list_select_related = ["family", "requested_by", "decided_by"]
    raw_id_fields = ["family", "requested_by", "decided_by"]


@admin.register(ChronologyEntry)
class ChronologyEntryAdmin(CaseRecordAdmin):
    list_display = ["occurred_on", "family", "summary", "recorded_by"]
    search_fields = ["family__reference", "summary"]
    list_select_related = ["family", "recorded_by"]
    raw_id_fields = ["family", "contact", "status_episode", "recorded_by"]
    date_hierarchy = "occurred_on"


@admin.register(Plan)
class PlanAdmin(CaseRecordAdmin):
    list_display = ["child", "kind", "started_on", "review_on", "ended_on"]
    list_filter = ["kind"]
    search_fields = ["child__reference", "child__given_name", "child__family_name"]
    list_select_related = ["child"]
    raw_id_fields = ["child"]


@admin.register(PlanAction)
class PlanActionAdmin(CaseRecordAdmin):
    list_display = ["description", "plan", "owner_worker", "owner_person", "due_on", "status"]
    list_filter = ["status"]
    search_fields = ["description", "plan__child__reference"]
    list_select_related = ["plan__child", "owner_worker", "owner_person"]
    raw_id_fields = ["plan", "owner_worker", "owner_person"]
