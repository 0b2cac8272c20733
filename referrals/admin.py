from django.contrib import admin

from families.admin import CaseRecordAdmin

from .models import Pathway, Referral


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
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
