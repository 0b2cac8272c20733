"""Pathway configuration in Django admin, every change audited. Referrals, readings and
cycle-of-change entries are case records: they are not here at all."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin_site import AuditedModelAdmin

from .models import EligibilityRule, OutcomeMeasure, Pathway, PathwayStage


class PathwayStageInline(admin.TabularInline):
    model = PathwayStage
    extra = 0


class EligibilityRuleInline(admin.TabularInline):
    """Shown, not changed: a pathway manager adds and ends rules on the pathway's rules page
    (referrals.rules), which keeps each rule's dates so past decisions stay explicable."""

    model = EligibilityRule
    extra = 0
    fields = ["kind", "params", "in_force_from", "in_force_to"]
    readonly_fields = ["kind", "params", "in_force_from", "in_force_to"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Pathway)
class PathwayAdmin(AuditedModelAdmin):
    inlines = [PathwayStageInline, EligibilityRuleInline]
    list_display = ["name", "code", "agency"]
    list_select_related = ["agency"]
    search_fields = ["name", "code"]


@admin.register(OutcomeMeasure)
class OutcomeMeasureAdmin(AuditedModelAdmin):
    """Measures are configuration: a council may add its own. Readings are case records."""

    list_display = ["name", "code", "scale_min", "scale_max", "has_total"]
