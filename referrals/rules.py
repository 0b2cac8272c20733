"""A pathway's eligibility rules as data a manager edits: validated, atomic and audited.

A rule is never deleted or rewritten: a new rule starts on a date and an old one is ended on
a date, so the rules in force on any past referral date stay as they were (see
referrals.services.eligibility_failures, which reads them).
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Locality, User
from families.models import LEVELS, LegalStatus, long_date

from .models import EligibilityRule, Pathway

Kind = EligibilityRule.Kind

# What each kind of rule asks, in words a manager reads on the rules page.
KIND_LABELS: dict[str, str] = {
    Kind.ADULT_AGE_BETWEEN: "The adult's age",
    Kind.CHILD_UNDER_MONTHS: "The age of a child in the family",
    Kind.LOCALITY_IN: "Where the family lives",
    Kind.CHILD_STATUS_IN: "A child's legal status",
}

MIN_AGE, MAX_AGE = 0, 120
MAX_MONTHS = 216  # 18 years: any child


def _or_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def describe_params(rule: EligibilityRule) -> str:
    """A rule's parameters in words: "Aged 16 to 30", "Chesil or West"."""
    params = rule.params or {}
    if rule.kind == Kind.ADULT_AGE_BETWEEN:
        return f"Aged {params.get('min')} to {params.get('max')}"
    if rule.kind == Kind.CHILD_UNDER_MONTHS:
        months = params.get("months")
        return f"A child under {months} month{'' if months == 1 else 's'} old"
    if rule.kind == Kind.LOCALITY_IN:
        return f"Lives in {_or_list(list(params.get('localities', [])))}"
    if rule.kind == Kind.CHILD_STATUS_IN:
        labels = dict(LegalStatus.choices)
        statuses = [labels.get(status, status) for status in params.get("statuses", [])]
        return f"A child is on {_or_list(statuses)}"
    return str(params)


def _required_whole_number(
    value: int | None, field: str, what: str, low: int, high: int, errors: dict[str, str]
) -> None:
    if value is None:
        errors[field] = f"Enter the {what}"
    elif not low <= value <= high:
        errors[field] = f"Enter the {what} from {low} to {high}"


def _params_for(
    kind: str,
    *,
    min_age: int | None,
    max_age: int | None,
    months: int | None,
    localities: Iterable[Locality | str],
    statuses: Iterable[str],
) -> dict[str, Any]:
    """The params of a rule of `kind`, checked. Values that belong to other kinds are ignored,
    so a form may send every field."""
    errors: dict[str, str] = {}
    if kind == Kind.ADULT_AGE_BETWEEN:
        _required_whole_number(min_age, "min_age", "minimum age", MIN_AGE, MAX_AGE, errors)
        _required_whole_number(max_age, "max_age", "maximum age", MIN_AGE, MAX_AGE, errors)
        if min_age is not None and max_age is not None and not errors and min_age > max_age:
            errors["max_age"] = "The maximum age must be the same as or more than the minimum age"
        params: dict[str, Any] = {"min": min_age, "max": max_age}
    elif kind == Kind.CHILD_UNDER_MONTHS:
        _required_whole_number(months, "months", "number of months", 1, MAX_MONTHS, errors)
        params = {"months": months}
    elif kind == Kind.LOCALITY_IN:
        names = sorted(
            {item.name if isinstance(item, Locality) else str(item) for item in localities}
        )
        known = set(Locality.objects.filter(name__in=names).values_list("name", flat=True))
        if not names:
            errors["localities"] = "Select at least one locality"
        elif set(names) - known:
            errors["localities"] = f"Not a locality: {', '.join(sorted(set(names) - known))}"
        params = {"localities": names}
    elif kind == Kind.CHILD_STATUS_IN:
        chosen = set(statuses)
        if not chosen:
            errors["statuses"] = "Select at least one status"
        elif chosen - set(LegalStatus.values):
            errors["statuses"] = f"Not a status: {', '.join(sorted(chosen - set(LEVELS)))}"
        params = {"statuses": sorted(chosen, key=lambda status: LEVELS.get(status, 0))}
    else:
        raise ValidationError({"kind": "Select what the rule checks"})
    if errors:
        raise ValidationError(errors)
    return params


@transaction.atomic
def eligibility_rule_create(
    *,
    pathway: Pathway,
    kind: str,
    in_force_from: datetime.date,
    in_force_to: datetime.date | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    months: int | None = None,
    localities: Iterable[Locality | str] = (),
    statuses: Iterable[str] = (),
    acting_user: User,
) -> EligibilityRule:
    """Add a rule to `pathway`, in force from `in_force_from` (and to `in_force_to`, when
    given). Every rule in force on a referral's date applies, alongside the others."""
    errors: dict[str, list[str]] = {}
    try:
        params = _params_for(
            kind,
            min_age=min_age,
            max_age=max_age,
            months=months,
            localities=localities,
            statuses=statuses,
        )
    except ValidationError as error:
        errors.update(error.message_dict)
        params = {}
    if in_force_to is not None and in_force_to < in_force_from:
        errors["in_force_to"] = [
            "The last day in force must be the same as or after the first day in force"
        ]
    if errors:
        raise ValidationError(errors)
    rule = EligibilityRule(
        pathway=pathway,
        kind=kind,
        params=params,
        in_force_from=in_force_from,
        in_force_to=in_force_to,
    )
    rule.full_clean()
    rule.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=acting_user,
        obj=rule,
        detail={
            "pathway": pathway.code,
            "kind": kind,
            "in_force_from": in_force_from.isoformat(),
            "in_force_to": in_force_to.isoformat() if in_force_to else None,
        },
    )
    return rule


@transaction.atomic
def eligibility_rule_end(
    *, rule: EligibilityRule, in_force_to: datetime.date, acting_user: User
) -> EligibilityRule:
    """End a rule: `in_force_to` is its last day in force. A rule that has already ended
    stays as it was, because past referrals were decided by it."""
    rule = EligibilityRule.objects.select_for_update().get(pk=rule.pk)
    today = timezone.localdate()
    if rule.in_force_to is not None and rule.in_force_to < today:
        raise ValidationError(f"This rule ended on {long_date(rule.in_force_to)}.")
    if in_force_to < rule.in_force_from:
        raise ValidationError(
            {
                "in_force_to": "The last day in force cannot be before the rule came into "
                f"force, {long_date(rule.in_force_from)}"
            }
        )
    was = rule.in_force_to
    rule.in_force_to = in_force_to
    rule.save(update_fields=["in_force_to"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=acting_user,
        obj=rule,
        detail={
            "in_force_to": in_force_to.isoformat(),
            "was": was.isoformat() if was else None,
        },
    )
    return rule
