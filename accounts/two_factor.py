"""Two-factor authentication: who must use it, and the middleware that holds them to it.

A user signs in with their password (django.contrib.auth), then proves they hold their
authenticator app with a 6-digit code, or one of their one-time recovery codes
(django-otp). Until then a user who must use two-factor reaches only the two-factor pages
and sign-out. Writes (enrolment, codes) are in accounts.services.
"""

import base64
import binascii
import io
import re
from collections.abc import Callable
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .models import User

# Where the session remembers, from sign-in, that this user has an authenticator app; so a
# user who need not use two-factor costs no query per request to find out whether they do.
HAS_AUTHENTICATOR_SESSION_KEY = "dmt_has_authenticator"
# Where a new secret waits in the session while the user types the app's first code.
PENDING_SECRET_SESSION_KEY = "dmt_pending_totp_key"
# Recovery codes just made, shown once on the next page and then forgotten.
NEW_RECOVERY_CODES_SESSION_KEY = "dmt_new_recovery_codes"

RECOVERY_CODE_COUNT = 10
APP_CODE = re.compile(r"^[0-9]{6}$")


def two_factor_required(user: User) -> bool:
    """True when `user`'s role (or every role, by setting) must sign in with two factors."""
    if not settings.OTP_ENFORCED:
        return False
    return settings.OTP_REQUIRED_FOR_ALL or user.role in settings.OTP_REQUIRED_ROLES


# django-otp has no type hints: the annotated names below say what its calls return.


def has_authenticator(user: User) -> bool:
    found: bool = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
    return found


def recovery_codes_left(user: User) -> int:
    left: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return left


def remember_authenticator(request: HttpRequest, user: User) -> None:
    """Called at sign-in: whether this user enrolled, even if they need not have."""
    request.session[HAS_AUTHENTICATOR_SESSION_KEY] = has_authenticator(user)


def must_verify(request: HttpRequest, user: User) -> bool:
    """True when this session must pass two-factor before it reaches any page: the user's
    role requires it, or they chose to enrol."""
    if two_factor_required(user):
        return True
    if HAS_AUTHENTICATOR_SESSION_KEY not in request.session:
        remember_authenticator(request, user)
    return bool(request.session[HAS_AUTHENTICATOR_SESSION_KEY])


def is_verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


def new_secret() -> str:
    """A fresh 20-byte key, hex as django-otp stores it."""
    secret: str = random_hex(20)
    return secret


def normalise_code(text: str) -> str:
    """What a person types, as the device compares it: no spaces or dashes, lower case."""
    return re.sub(r"[\s-]", "", text).lower()


def is_app_code(code: str) -> bool:
    return bool(APP_CODE.match(code))


def secret_for_typing(key_hex: str) -> str:
    """The secret as an authenticator app takes it by hand: base32, in groups of four."""
    secret = base64.b32encode(binascii.unhexlify(key_hex)).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(user: User, key_hex: str) -> str:
    """An SVG QR code of the otpauth:// address, inline as a data: URI (no script, no
    request for the secret, nothing for the Content-Security-Policy to allow but data: images)."""
    url = TOTPDevice(user=user, key=key_hex).config_url
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def two_factor_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that a signed-in user may reach before passing two-factor (like Django's
    login_not_required): the two-factor pages themselves and sign-out."""
    # A mark on the function, as Django's login_not_required sets login_required = False.
    view.two_factor_exempt = True  # type: ignore[attr-defined]
    return view


def _is_api(view_func: Callable[..., Any]) -> bool:
    from rest_framework.views import APIView  # late: DRF's settings import the user model

    view_class = getattr(view_func, "cls", None)  # set by DRF's as_view()
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or (
        request.get_preferred_type(["text/html", "application/json"]) == "application/json"
    )


class TwoFactorMiddleware:
    """Send a signed-in user who must pass two-factor, and has not in this session, to enrol
    (no authenticator app yet) or to enter a code. API and script requests get 403.

    Goes after OTPMiddleware (which says whether the session is verified) and works in
    process_view, after LoginRequiredMiddleware has dealt with anonymous visitors.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or is_verified(request):
            return None
        # DRF marks its views login_not_required (it authenticates for itself); they still
        # hold case data, so only Django's own public pages pass.
        api = _is_api(view_func)
        if not api and not getattr(view_func, "login_required", True):
            return None
        if getattr(view_func, "two_factor_exempt", False):
            return None
        if not must_verify(request, user):
            return None
        if api or _wants_json(request):
            return JsonResponse(
                {"detail": "Two-factor authentication is needed. Sign in again in the browser."},
                status=403,
            )
        step = (
            "accounts:two_factor_verify" if has_authenticator(user) else "accounts:two_factor_setup"
        )
        return redirect_to_login(request.get_full_path(), reverse(step))
