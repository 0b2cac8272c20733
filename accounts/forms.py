from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from dmt import parsing

from .models import AuditEvent


def apply_validation_error(form: Any, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, against its field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item.message % (item.params or {}))
    else:
        for message in error.messages:
            form.add_error(None, message)


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Ask your system administrator.",
    }


class TwoFactorCodeForm(forms.Form):
    """One code: from the authenticator app, or (at sign-in) a recovery code."""

    code = forms.CharField(
        label="Security code",
        max_length=40,
        error_messages={"required": "Enter the security code"},
    )

    def __init__(self, *args: Any, label: str = "Security code", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = label


class AuditEventFilterForm(forms.Form):
    """The auditor's filters; every field optional, all combine."""

    username = forms.CharField(required=False, label="Username", max_length=150)
    action = forms.ChoiceField(
        required=False,
        label="Action",
        choices=[("", "Any action"), *AuditEvent.Action.choices],
    )
    object_type = forms.CharField(required=False, label="Record type", max_length=100)
    object_id = forms.CharField(required=False, label="Record id", max_length=64)
    date_from = parsing.DateField(required=False, label="From")
    date_to = parsing.DateField(required=False, label="To")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The ‘to’ date must be the same as or after the ‘from’ date")
        return cleaned
