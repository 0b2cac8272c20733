"""Two-factor authentication for tests: a confirmed authenticator app, and the code it shows."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


def authenticator_for(user: User) -> TOTPDevice:
    """The user's confirmed authenticator app, set up now if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def code_for(device: TOTPDevice) -> str:
    """A code the device accepts now: the current one, or the next one when the current one
    has been used (a journey that signs the same person in twice within 30 seconds)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    now = totp.t()
    if device.last_t >= now + device.tolerance:
        # A third sign-in in the same half-minute: let this device forget its last code.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=now - 1)
        device.last_t = now - 1
    step = max(now, device.last_t + 1)
    totp.drift += step - now
    return f"{totp.token():0{device.digits}d}"
