from django.contrib import admin

from families.admin import CaseRecordAdmin

from .models import (
    CycleOfChangeEntry,
    EligibilityRule,
    MeasureReading,
    OutcomeMeasure,
    Pathway,
    PathwayStage,
    Referral,
)


class PathwayStageInline(admin.TabularInline):
    model = PathwayStage
    extra = 0


class EligibilityRuleInline(admin.TabularInline):
    """Eligibility is data a manager edits as the service's criteria change."""

    model = EligibilityRule
    extra = 0


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    inlines = [PathwayStageInline, EligibilityRuleInline]
    list_display = ["name", "code", "agency"]
    list_select_related = ["agency"]
    search_fields = ["name", "code"]


@admin.register(Referral)
class ReferralAdmin(CaseRecordAdmin):
    list_display = [
        "reference",
        "person",
        "pathway",
        "referred_on",
        "engagement",
        "allocated_on",
        "practitioner",
        "closed_on",
    ]
    list_filter = ["pathway", "engagement", "previously_known"]
    search_fields = ["reference", "person__reference", "person__given_name", "person__family_name"]
    list_select_related = ["person", "pathway", "practitioner"]
    raw_id_fields = ["person", "referred_by", "practitioner"]
    readonly_fields = ["created_at", "updated_at", "version"]
    date_hierarchy = "referred_on"


@admin.register(OutcomeMeasure)
class OutcomeMeasureAdmin(admin.ModelAdmin):
    """Measures are configuration: a council may add its own. Readings are case records."""

    list_display = ["name", "code", "scale_min", "scale_max", "has_total"]


@admin.register(MeasureReading)
class MeasureReadingAdmin(CaseRecordAdmin):
    list_display = ["person", "measure", "taken_on", "total", "band", "needs_action"]
    list_filter = ["measure", "needs_action"]
    list_select_related = ["person", "measure"]
    raw_id_fields = ["person"]


@admin.register(CycleOfChangeEntry)
class CycleOfChangeEntryAdmin(CaseRecordAdmin):
    list_display = ["person", "stage", "recorded_on", "source"]
