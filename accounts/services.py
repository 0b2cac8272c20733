"""Writes to staff records, each audited."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .audit import audit_record
from .models import AuditEvent, Locality, PartnerAgency, Role, Team, User


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
    """Create the member of staff called `username`, or bring an existing one up to date."""
    user = User.objects.filter(username=username).first()
    created = user is None
    user = user or User(username=username)
    user.first_name, user.last_name = first_name, last_name
    user.role, user.pathway = role, pathway
    user.team, user.locality, user.agency, user.fte = team, locality, agency, fte
    user.leads_pathway = leads_pathway
    user.email = f"{username}@example.invalid"
    # Django admin is for the admin role alone (see accounts.admin_site).
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=user,
        detail={"role": role},
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
