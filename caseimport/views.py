"""The case import page: upload a bundle, see the dry run, then confirm to import that file.

For staff holding the case import permission (User.can_import_cases), whatever their role;
everyone else gets 403. The importer checks the permission again, validates every row and
audits the run and every record it writes.

A previewed upload waits in a private temporary folder under a random name that only the
uploader's session knows, so the import that is confirmed is exactly the file previewed.
"""

import secrets
import tempfile
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.permissions import signed_in_user

from .forms import CaseBundleForm
from .importer import FILES, BundleError, ImportResult, import_bundle, read_bundle

PENDING_IMPORTS_DIR = Path(tempfile.gettempdir()) / "dmt-case-imports"
PENDING_IMPORT_SESSION_KEY = "families_pending_case_import"
PENDING_IMPORT_MAX_AGE_SECONDS = 24 * 60 * 60


def case_import_permission_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Only staff holding the case import permission: the admin role does not imply it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not signed_in_user(request).may_import_cases:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_http_methods(["GET", "POST"])
@case_import_permission_required
def case_import(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    context: dict[str, Any] = {"files": FILES, "form": CaseBundleForm()}
    if request.method == "POST" and "confirm" in request.POST:
        if _import_confirmed(request, user, context):
            return redirect("caseimport:import")
    elif request.method == "POST":
        _import_preview(request, user, context)
    return render(request, "caseimport/import.html", context)


def _import_preview(request: HttpRequest, user: User, context: dict[str, Any]) -> None:
    form = context["form"] = CaseBundleForm(request.POST, request.FILES)
    if not form.is_valid():
        return
    upload = form.cleaned_data["bundle"]
    try:
        bundle = read_bundle(upload)
    except BundleError as error:
        form.add_error("bundle", str(error))
        return
    result = import_bundle(bundle, acting_user=user, dry_run=True)
    context.update(result=result, upload_name=upload.name)
    if result.ok:
        context["token"] = _keep_pending_upload(request, upload)


def _import_confirmed(request: HttpRequest, user: User, context: dict[str, Any]) -> bool:
    pending = request.session.get(PENDING_IMPORT_SESSION_KEY) or {}
    token = str(pending.get("token", ""))
    posted = request.POST.get("token", "")
    file_path = PENDING_IMPORTS_DIR / f"{token}.zip"
    if not token or not secrets.compare_digest(token, posted) or not file_path.is_file():
        context["expired"] = True
        return False
    try:
        bundle = read_bundle(file_path)
    finally:
        _discard_pending_upload(request)
    result = import_bundle(bundle, acting_user=user)
    if not result.ok:
        # Something changed in DMT since the preview.
        context.update(result=result, upload_name=pending.get("name", ""))
        return False
    messages.success(request, _summary(result))
    return True


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
