import json
from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dmt.parsing import has_control_characters, parse_next

from . import drafts, lockout, selectors, services, session_limits, two_factor
from .audit import audit_record
from .forms import AuditEventFilterForm, SignInForm, TwoFactorCodeForm, apply_validation_error
from .models import AuditEvent, Role, User
from .permissions import role_required, signed_in_user


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


@method_decorator(two_factor.two_factor_exempt, name="dispatch")
class SignOutView(auth_views.LogoutView):
    pass


def _next_url(request: HttpRequest) -> str:
    """The page first asked for, if it is a page of this site; else home."""
    asked = request.POST.get("next") or request.GET.get("next", "")
    return parse_next(asked, request) or reverse("home")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _two_factor_passed(request: HttpRequest, user: User, device: Any) -> None:
    """The session is now verified: a new session key for the raised privilege, and the
    sign-in's failed attempts are forgotten."""
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session[two_factor.HAS_AUTHENTICATOR_SESSION_KEY] = True
    lockout.clear_failures(request, user.get_username())


# The two-factor pages show a secret key or recovery codes: no copy may be kept in a cache.
@two_factor.two_factor_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: a QR code and the key to type, then the first code."""
    user = signed_in_user(request)
    next_url = _next_url(request)
    verified = two_factor.is_verified(request)
    replacing = two_factor.has_authenticator(user)
    if replacing and not verified:
        # Only someone who has passed two-factor may replace the app that guards it.
        return redirect(_with_next("accounts:two_factor_verify", next_url))
    key = request.session.get(two_factor.PENDING_SECRET_SESSION_KEY) or two_factor.new_secret()
    request.session[two_factor.PENDING_SECRET_SESSION_KEY] = key
    form = TwoFactorCodeForm(request.POST or None, label="Code from the app")
    if form.is_valid():
        try:
            device, codes = services.two_factor_enrol(
                user=user, key=key, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            del request.session[two_factor.PENDING_SECRET_SESSION_KEY]
            _two_factor_passed(request, user, device)
            request.session[two_factor.NEW_RECOVERY_CODES_SESSION_KEY] = codes
            return redirect(_with_next("accounts:recovery_codes", next_url))
    return render(
        request,
        "accounts/two_factor/setup.html",
        {
            "form": form,
            "next": next_url,
            "required": two_factor.two_factor_required(user),
            "replacing": replacing,
            "qr_code": two_factor.qr_code_data_uri(user, key),
            "secret": two_factor.secret_for_typing(key),
        },
    )


@two_factor.two_factor_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: a code from the app, or a recovery code. Wrong codes count
    towards the same lockout as wrong passwords."""
    user = signed_in_user(request)
    next_url = _next_url(request)
    if two_factor.is_verified(request):
        return redirect(next_url)
    if not two_factor.has_authenticator(user):
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    form = TwoFactorCodeForm(request.POST or None)
    if form.is_valid():
        if lockout.is_locked_out(request, user.get_username()):
            return _locked_out(request, user)
        try:
            device = services.two_factor_verify(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            if lockout.record_failure(request, user.get_username()):
                return _locked_out(request, user)
            apply_validation_error(form, error)
        else:
            _two_factor_passed(request, user, device)
            if not two_factor.is_app_code(two_factor.normalise_code(form.cleaned_data["code"])):
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code. You have {left} left: "
                    "make new ones from Two-factor authentication if you are running out.",
                )
            return redirect(next_url)
    return render(request, "accounts/two_factor/verify.html", {"form": form, "next": next_url})


def _locked_out(request: HttpRequest, user: User) -> HttpResponse:
    """A lockout at the code ends the half-finished sign-in too."""
    username = user.get_username()
    setattr(request, session_limits.SIGN_OUT_REASON_ATTRIBUTE, "locked_out")
    logout(request)
    return lockout.lockout_response(request, credentials={"username": username})


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; or how many are left, with a button for new ones."""
    user = signed_in_user(request)
    if not two_factor.has_authenticator(user):
        return redirect("accounts:two_factor")
    if not two_factor.is_verified(request):
        return redirect(_with_next("accounts:two_factor_verify", request.get_full_path()))
    if request.method == "POST":
        codes = services.recovery_codes_regenerate(user=user)
        request.session[two_factor.NEW_RECOVERY_CODES_SESSION_KEY] = codes
        return redirect("accounts:recovery_codes")
    return render(
        request,
        "accounts/two_factor/recovery_codes.html",
        {
            "new_codes": request.session.pop(two_factor.NEW_RECOVERY_CODES_SESSION_KEY, None),
            "codes_left": two_factor.recovery_codes_left(user),
            "continue_url": _next_url(request),
        },
    )


@require_GET
def two_factor_manage(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "accounts/two_factor/manage.html",
        {
            "has_authenticator": two_factor.has_authenticator(user),
            "required": two_factor.two_factor_required(user),
            "codes_left": two_factor.recovery_codes_left(user),
        },
    )


@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if two_factor.has_authenticator(user) and not two_factor.is_verified(request):
        return redirect(_with_next("accounts:two_factor_verify", reverse("accounts:two_factor")))
    try:
        services.two_factor_turn_off(user=user, acting_user=user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        request.session[two_factor.HAS_AUTHENTICATOR_SESSION_KEY] = False
        messages.success(request, "Two-factor authentication is off.")
    return redirect("accounts:two_factor")


@require_GET
@role_required(Role.AUDITOR, Role.ADMIN)
def audit_event_list(request: HttpRequest) -> HttpResponse:
    form = AuditEventFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    user = signed_in_user(request)
    # Reading the trail is itself recorded (it names who opened which records), before the
    # page is read, so the count and the rows shown agree.
    audit_record(
        action=AuditEvent.Action.VIEW, actor=user, detail={"page": "accounts:audit_events"}
    )
    events = selectors.audit_event_list(user, filters=filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_event_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "system_only": user.role == Role.ADMIN,
        },
    )


# Drafts ------------------------------------------------------------------------------------


@require_POST
def draft_save(request: HttpRequest) -> JsonResponse:
    """Autosave from the page's script: {"key": ..., "data": {field: [values]}}. Kept only for
    a registered form on a record the user may write it on (accounts.drafts)."""
    try:
        payload = json.loads(request.body)
        key, data = str(payload["key"]), payload["data"]
        if not _is_draft_data(data) or len(key) > 100 or has_control_characters(key):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "Send a key and the form's data"}, status=400)
    user = signed_in_user(request)
    if not drafts.allowed(user, key):
        return JsonResponse({"error": "Not allowed"}, status=403)
    try:
        draft = services.draft_save(user=user, key=key, data=data)
    except ValidationError as error:
        return JsonResponse({"error": error.messages[0]}, status=400)
    return JsonResponse({"saved_at": timezone.localtime(draft.updated_at).strftime("%H:%M:%S")})


@require_POST
def draft_discard(request: HttpRequest) -> HttpResponse:
    """Forget the user's own draft. Any key: discarding one's own text needs no right to the
    record (a worker who has lost the family may still clear what they typed)."""
    key = request.POST.get("key", "")
    if not has_control_characters(key):  # no draft has such a key (and PostgreSQL refuses NUL)
        services.draft_discard(user=signed_in_user(request), key=key)
    next_url = parse_next(request.POST.get("next", ""), request)
    return HttpResponseRedirect(next_url) if next_url else redirect("home")


def _is_draft_data(data: Any) -> bool:
    """The shape the page's script sends: {field name: [string, ...]}, with no NUL or other
    control character (which the page's fields never hold, and PostgreSQL's JSON refuses)."""
    return isinstance(data, dict) and all(
        isinstance(name, str)
        and not has_control_characters(name)
        and isinstance(values, list)
        and all(isinstance(value, str) and not has_control_characters(value) for value in values)
        for name, values in data.items()
    )
