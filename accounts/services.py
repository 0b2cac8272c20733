"""Writes to staff records, each validated and audited.

Django admin, the demo seed and any later staff page all come here, so a change of role,
team, active flag, import permission or password leaves the same audit row whichever way it
was made. Audit rows name the fields that changed, never their values (and never a password).
"""

import datetime
import enum
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dmt.parsing import has_control_characters

from . import lockout, two_factor
from .audit import audit_record
from .models import ApiToken, AuditEvent, Draft, Locality, PartnerAgency, Role, Team, User

# What a staff change may set. is_staff and is_superuser are not here: they follow the role
# (Django admin is for the admin role alone, see accounts.admin_site).
STAFF_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "pathway",
    "leads_pathway",
    "team",
    "locality",
    "agency",
    "fte",
    "mi_trained_on",
    "is_active",
    "can_import_cases",
)


def _check_fields(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"Not a staff field that can be changed: {', '.join(sorted(unknown))}")


def _set_access(user: User) -> list[str]:
    """Make is_staff and is_superuser follow the role; the names of those that changed."""
    admin = user.role == Role.ADMIN
    changed = [name for name in ("is_staff", "is_superuser") if getattr(user, name) != admin]
    user.is_staff = user.is_superuser = admin
    return changed


def _set_password(user: User, password: str | None) -> None:
    """None leaves the account with no password: it cannot sign in with one."""
    if password is not None and user.is_service_account:
        raise ValidationError("A service account has no password: it uses API tokens only")
    if password is None:
        user.set_unusable_password()
    else:
        password_validation.validate_password(password, user)
        user.set_password(password)


def _apply(user: User, changes: dict[str, Any]) -> list[str]:
    """Apply to `user` the changes that differ from the stored row; validate and save them.

    `user` may already carry the changes (a bound admin form fills its instance in), so the
    comparison is with the row as stored, read under a lock.
    """
    _check_fields(changes)
    stored = User.objects.select_for_update().get(pk=user.pk)
    changed = [name for name, value in changes.items() if getattr(stored, name) != value]
    for name in changed:
        setattr(user, name, changes[name])
    changed += _set_access(user)
    if changed:
        user.full_clean()
        user.save(update_fields=changed)
    return changed


@transaction.atomic
def staff_create(*, user: User, password: str | None, acting_user: User | None) -> User:
    """Save a new member of staff built by the caller (not yet saved)."""
    if user.pk is not None:
        raise ValueError("staff_create saves a new member of staff; use staff_update.")
    _set_access(user)
    _set_password(user, password)
    user.full_clean()
    user.save()
    detail: dict[str, Any] = {"role": user.role}
    if user.is_service_account:
        detail["kind"] = "service_account"
    audit_record(action=AuditEvent.Action.CREATE, actor=acting_user, obj=user, detail=detail)
    return user


@transaction.atomic
def staff_update(*, user: User, changes: dict[str, Any], acting_user: User | None) -> list[str]:
    """Change a member of staff's details, role, placement or access; returns what changed."""
    changed = _apply(user, changes)
    if changed:
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=acting_user,
            obj=user,
            detail={"fields": changed},
        )
    return changed


@transaction.atomic
def staff_set_password(*, user: User, password: str | None, acting_user: User | None) -> User:
    """Set a member of staff's password, or (None) turn password sign-in off for them."""
    _set_password(user, password)
    user.save(update_fields=["password"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=user,
        detail={"fields": ["password"]},
    )
    return user


@transaction.atomic
def staff_save(
    *,
    username: str,
    first_name: str,
    last_name: str,
    role: Role,
    password: str,
    pathway: str = "",
    team: Team | None = None,
    locality: Locality | None = None,
    agency: PartnerAgency | None = None,
    fte: Decimal = Decimal("1"),
    leads_pathway: bool = False,
    acting_user: User | None,
) -> User:
    """Create the member of staff called `username`, or bring an existing one up to date.

    For the demo seed: the same validation and one audit row, as staff_create or as
    staff_update with the password.
    """
    fields: dict[str, Any] = {
        "first_name": first_name,
        "last_name": last_name,
        "email": f"{username}@example.invalid",
        "role": role,
        "pathway": pathway,
        "leads_pathway": leads_pathway,
        "team": team,
        "locality": locality,
        "agency": agency,
        "fte": fte,
        "is_active": True,
    }
    user = User.objects.filter(username=username).first()
    if user is None:
        return staff_create(
            user=User(username=username, **fields), password=password, acting_user=acting_user
        )
    changed = _apply(user, fields)
    if not user.check_password(password):
        _set_password(user, password)
        user.save(update_fields=["password"])
        changed.append("password")
    if changed:
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=acting_user,
            obj=user,
            detail={"fields": changed},
        )
    return user


# ---- Two-factor authentication (accounts.two_factor says who must use it) ----
# Codes are compared and thrown away: no audit row holds a code, only what happened.


def two_factor_enrol(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator app holding `key` with the code it shows now. It replaces any
    app the user had, and they get new recovery codes, returned to be shown once."""
    device = TOTPDevice(user=user, key=key, name="Authenticator app", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    code = two_factor.normalise_code(code)
    if not (two_factor.is_app_code(code) and totp.verify(int(code), device.tolerance)):
        audit_record(
            action=AuditEvent.Action.TWO_FACTOR_FAILED, actor=user, detail={"stage": "enrolment"}
        )
        raise ValidationError(
            {"code": "Enter the 6-digit code your authenticator app shows for DMT now"}
        )
    device.last_t = totp.t()  # this code cannot be used again to sign in
    device.drift = totp.drift
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device.save()
        codes = _recovery_codes_replace(user)
        audit_record(
            action=AuditEvent.Action.TWO_FACTOR_ENROLLED,
            actor=user,
            detail={"recovery_codes": len(codes)},
        )
    return device, codes


def two_factor_verify(*, user: User, code: str) -> Device:
    """Check a code at sign-in: six digits against the authenticator app, anything else
    against the recovery codes (a recovery code is used up once accepted). Audited either
    way. Raises ValidationError when the code is wrong, or when the device is still making the
    user wait after earlier wrong codes (django-otp's own back-off)."""
    code = two_factor.normalise_code(code)
    method = "app" if two_factor.is_app_code(code) else "recovery_code"
    model = TOTPDevice if method == "app" else StaticDevice
    with transaction.atomic():
        devices = list(model.objects.devices_for_user(user, confirmed=True).select_for_update())
        waiting = any(not device.verify_is_allowed()[0] for device in devices)
        accepted = None if waiting else next((d for d in devices if d.verify_token(code)), None)
        if accepted is None:
            audit_record(
                action=AuditEvent.Action.TWO_FACTOR_FAILED,
                actor=user,
                detail={"stage": "sign_in", "method": method, "waiting": waiting},
            )
        elif method == "app":
            audit_record(
                action=AuditEvent.Action.TWO_FACTOR_VERIFIED, actor=user, detail={"method": method}
            )
        else:
            audit_record(
                action=AuditEvent.Action.RECOVERY_CODE_USED,
                actor=user,
                detail={"recovery_codes_left": two_factor.recovery_codes_left(user)},
            )
    if accepted is None:
        raise ValidationError(
            {
                "code": "You have typed too many wrong codes. Wait a minute, then try again"
                if waiting
                else "Enter the code your authenticator app shows now, or a recovery code"
            }
        )
    return accepted


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes for a user with an authenticator app; the old ones stop working."""
    if not two_factor.has_authenticator(user):
        raise ValidationError("Set up an authenticator app before making recovery codes")
    codes = _recovery_codes_replace(user)
    audit_record(
        action=AuditEvent.Action.RECOVERY_CODES_MADE,
        actor=user,
        detail={"recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
@transaction.atomic
def two_factor_turn_off(*, user: User, acting_user: User) -> None:
    """Remove a user's authenticator app and recovery codes. The user may do it when their
    role does not need two-factor; an administrator may for anyone who has lost both (they
    set up a new app at their next sign-in)."""
    if acting_user.pk == user.pk:
        if two_factor.two_factor_required(user):
            raise ValidationError("Your role needs two-factor authentication")
    elif acting_user.role != Role.ADMIN:
        raise PermissionDenied
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(action=AuditEvent.Action.TWO_FACTOR_RESET, actor=acting_user, obj=user)


def _recovery_codes_replace(user: User) -> list[str]:
    device = StaticDevice.objects.filter(user=user).first() or StaticDevice.objects.create(
        user=user, name="Recovery codes", confirmed=True
    )
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < two_factor.RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


# Drafts -----------------------------------------------------------------------------------

DRAFT_MAX_BYTES = 200_000


def draft_save(*, user: User, key: str, data: dict[str, Any]) -> Draft:
    """Keep what the user has typed so far. Not audited: it is not yet part of the record."""
    if len(repr(data).encode()) > DRAFT_MAX_BYTES:
        raise ValidationError("This draft is too long to keep.")
    draft, _ = Draft.objects.update_or_create(user=user, key=key, defaults={"data": data})
    return draft


def draft_discard(*, user: User, key: str) -> None:
    """Forget the user's draft for a form. A form's service calls this inside the transaction
    that saves the record, so the draft goes exactly when the text is safely recorded."""
    if key:
        Draft.objects.filter(user=user, key=key).delete()


def draft_for(user: User, key: str) -> Draft | None:
    return Draft.objects.filter(user=user, key=key).first()


# API tokens and service accounts (accounts.api, accounts.api_auth) ----------------------------
# A token is shown once, when issued, and kept only as its SHA-256 hash; audit rows name it by
# its prefix (not secret) and id, never by the token itself.

DEFAULT_TOKEN_NAME = "API token"
SERVICE_TOKEN_NAME = "Service token"
# last_used_at is written at most this often: a busy client would otherwise update the same
# row on every request (each request still has its own audit row).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: the row, and the token itself, to be shown once and then lost."""

    token: ApiToken
    key: str


class SignInRefusal(enum.Enum):
    CREDENTIALS = "credentials"  # wrong username or password (or not a person's account)
    LOCKED_OUT = "locked_out"  # too many failures from this address: axes refuses
    OTP_REQUIRED = "otp_required"  # two-factor applies and no code was sent
    OTP_WRONG = "otp_wrong"  # the code was wrong (or the app still makes them wait)
    TWO_FACTOR_NOT_SET_UP = "two_factor_not_set_up"  # must use two-factor, has no app yet


class SignInRefused(Exception):
    """Why api_token_sign_in issued no token, in words for the person at the other end."""

    def __init__(self, reason: SignInRefusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _clean_token_name(name: str, default: str) -> str:
    name = name.strip() or default
    if len(name) > 100 or has_control_characters(name):
        raise ValidationError({"name": "Give the token a name of up to 100 characters"})
    return name


def _token_issue(
    *,
    user: User,
    name: str,
    expires_at: datetime.datetime,
    acting_user: User,
    via: str,
) -> IssuedToken:
    key = ApiToken.KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        key_hash=ApiToken.hash_key(key),
        prefix=key[: ApiToken.PREFIX_LENGTH],
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    audit_record(
        action=AuditEvent.Action.TOKEN_ISSUED,
        actor=acting_user,
        obj=token,
        detail={
            "token_prefix": token.prefix,
            "owner": user.get_username(),
            "expires": token.expires_at.isoformat(),
            "via": via,
        },
    )
    return IssuedToken(token=token, key=key)


def api_token_sign_in(
    *, request: HttpRequest, username: str, password: str, otp: str = "", name: str = ""
) -> IssuedToken:
    """A member of staff's token, for DMT_API_TOKEN_HOURS, in exchange for what the sign-in
    page asks of them: their password, then a two-factor code when two-factor applies to them
    (their role needs it, or they set up an app). Raises SignInRefused otherwise.

    The same lockout as the page (django-axes through authenticate(), and
    accounts.lockout for wrong codes), so a script cannot guess faster than a person; and the
    same audit rows for failures (accounts.signals, two_factor_verify). Not one transaction:
    a refused attempt must still be counted and audited when this raises.
    """
    name = _clean_token_name(name, DEFAULT_TOKEN_NAME)
    found = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise SignInRefused(SignInRefusal.LOCKED_OUT, lockout.lockout_message())
    if found is None:
        raise SignInRefused(
            SignInRefusal.CREDENTIALS,
            "Enter a correct username and password. Both are case-sensitive.",
        )
    user = found
    if two_factor.two_factor_required(user) or two_factor.has_authenticator(user):
        if not two_factor.has_authenticator(user):
            raise SignInRefused(
                SignInRefusal.TWO_FACTOR_NOT_SET_UP,
                "Your role needs two-factor authentication. Sign in to DMT in a browser to set "
                "up an authenticator app, then ask for a token again.",
            )
        if not otp:
            raise SignInRefused(
                SignInRefusal.OTP_REQUIRED,
                'Send the code your authenticator app shows now (or a recovery code) as "otp".',
            )
        try:
            two_factor_verify(user=user, code=otp)
        except ValidationError as error:
            if lockout.record_failure(request, user.get_username()):
                raise SignInRefused(SignInRefusal.LOCKED_OUT, lockout.lockout_message()) from error
            raise SignInRefused(SignInRefusal.OTP_WRONG, error.messages[0]) from error
    # Sign-in is complete: its failures are forgotten, as at the end of the page's sign-in.
    lockout.clear_failures(request, user.get_username())
    with transaction.atomic():
        return _token_issue(
            user=user,
            name=name,
            expires_at=timezone.now() + datetime.timedelta(hours=settings.DMT_API_TOKEN_HOURS),
            acting_user=user,
            via="sign_in",
        )


def api_token_use(*, token: ApiToken, page: str) -> None:
    """A request was let in by `token`: one audit row for the request (so each use is in the
    trail, with the client's address and request id), and the token's last use, to the
    minute."""
    now = timezone.now()
    with transaction.atomic():
        last_used = token.last_used_at
        if last_used is None or last_used <= now - LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        audit_record(
            action=AuditEvent.Action.TOKEN_USED,
            actor=token.user,
            obj=token,
            detail={"token_prefix": token.prefix, "page": page},
        )


def _revoke(token: ApiToken, *, acting_user: User, now: datetime.datetime, via: str) -> None:
    token.revoked_at, token.revoked_by = now, acting_user
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        action=AuditEvent.Action.TOKEN_REVOKED,
        actor=acting_user,
        obj=token,
        detail={"token_prefix": token.prefix, "owner": token.user.get_username(), "via": via},
    )


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user: User) -> bool:
    """Stop `token` working, now: its owner may, and so may an administrator. False when it
    was already revoked (nothing changes, nothing is audited)."""
    if token.user_id != acting_user.pk and acting_user.role != Role.ADMIN:
        raise PermissionDenied
    locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    _revoke(locked, acting_user=acting_user, now=timezone.now(), via="revoke")
    token.revoked_at, token.revoked_by = locked.revoked_at, locked.revoked_by
    return True


def _require_admin(acting_user: User) -> None:
    if acting_user.role != Role.ADMIN or not acting_user.is_active:
        raise PermissionDenied


@transaction.atomic
def service_account_create(*, account: User, acting_user: User) -> IssuedToken:
    """Save a partner agency's system, built by the caller (not yet saved) with its username,
    name (first_name), pathway and agency, and issue its first token (DMT_SERVICE_TOKEN_DAYS).

    It becomes a practitioner of that pathway at that agency with no password, so it reads
    the API as such a practitioner would and can never sign in to pages. Administrators only.
    """
    _require_admin(acting_user)
    if account.pk is not None:
        raise ValueError("service_account_create saves a new service account.")
    account.first_name = account.first_name.strip()
    if not account.first_name or has_control_characters(account.first_name):
        raise ValidationError({"name": "Enter the name of the partner's system"})
    if account.agency_id is None:
        raise ValidationError({"agency": "Choose the partner agency whose system this is"})
    if not account.pathway:
        raise ValidationError({"pathway": "Choose the pathway whose referrals it may read"})
    account.role = Role.SPECIALIST
    account.is_service_account = True
    account.leads_pathway = account.can_import_cases = False
    staff_create(user=account, password=None, acting_user=acting_user)
    return _token_issue(
        user=account,
        name=SERVICE_TOKEN_NAME,
        expires_at=timezone.now() + datetime.timedelta(days=settings.DMT_SERVICE_TOKEN_DAYS),
        acting_user=acting_user,
        via="service_account",
    )


@transaction.atomic
def service_token_rotate(*, account: User, acting_user: User) -> IssuedToken:
    """A new token for a service account, shown once; every token it had stops working at
    once (so a leaked token is dead the moment it is rotated). Administrators only."""
    _require_admin(acting_user)
    # Locked, so two rotations at once leave one token, not two.
    account = User.objects.select_for_update().get(pk=account.pk)
    if not account.is_service_account:
        raise ValidationError("Only a service account's token is rotated here")
    if not account.is_active:
        raise ValidationError("This service account is switched off: switch it on first")
    now = timezone.now()
    current = ApiToken.objects.select_for_update().filter(
        user=account, revoked_at__isnull=True, expires_at__gt=now
    )
    for token in current.select_related("user"):
        _revoke(token, acting_user=acting_user, now=now, via="rotation")
    return _token_issue(
        user=account,
        name=SERVICE_TOKEN_NAME,
        expires_at=now + datetime.timedelta(days=settings.DMT_SERVICE_TOKEN_DAYS),
        acting_user=acting_user,
        via="rotation",
    )
