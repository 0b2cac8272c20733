"""Specialist pathways and the referrals of adults to them (issue 4 builds on these)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.models import SpecialistPathway


class Pathway(models.Model):
    """A specialist pathway: DMT, substance use, domestic abuse (victims or perpetrators),
    mental health. Rows, not code, so a council can configure them."""

    code = models.CharField(max_length=30, unique=True, choices=SpecialistPathway.choices)
    name = models.CharField(max_length=100)
    agency = models.ForeignKey(
        "accounts.PartnerAgency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pathways",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReferralQuerySet(models.QuerySet["Referral"]):
    def open_on(self, day: datetime.date) -> "ReferralQuerySet":
        return self.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day), referred_on__lte=day)

    def waiting(self) -> "ReferralQuerySet":
        return self.filter(closed_on__isnull=True, allocated_on__isnull=True)


class Engagement(models.TextChoices):
    NEW = "new", "New (too early to tell)"
    ENGAGED = "engaged", "Engaged"
    INCONSISTENT = "inconsistent", "Inconsistent"
    NOT_ENGAGED = "not_engaged", "Not engaged"


class Referral(models.Model):
    """An adult's involvement with one pathway, from referral to closure (an intervention)."""

    reference = models.CharField(max_length=40, unique=True)
    person = models.ForeignKey(
        "families.Person", on_delete=models.PROTECT, related_name="referrals"
    )
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="referrals")
    referred_on = models.DateField()
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
    )
    engagement = models.CharField(max_length=20, choices=Engagement.choices, default=Engagement.NEW)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_allocated",
    )
    allocated_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)
    previously_known = models.BooleanField(
        null=True,
        blank=True,
        help_text="Known to the partner's core service before this referral.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["referred_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allocated_on__isnull=True) | Q(allocated_on__gte=F("referred_on")),
                name="referral_allocated_not_before_referred",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("referred_on")),
                name="referral_closed_not_before_referred",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.person} to {self.pathway}"


class OutcomeMeasure(models.Model):
    """A questionnaire or scale as data: its items, the score each takes, and how totals read.

    `bands` is a list of {"min", "max", "label"} over the total; `alert_items` are items where
    any score above the minimum must prompt action whatever the total (PHQ-9 item 9).
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    items = models.JSONField(help_text='A list of {"key": ..., "text": ...}.')
    scale_min = models.SmallIntegerField()
    scale_max = models.SmallIntegerField()
    response_labels = models.JSONField(
        default=dict,
        blank=True,
        help_text='Optional words for each score, e.g. {"0": "Not at all"}.',
    )
    has_total = models.BooleanField(default=True)
    bands = models.JSONField(default=list, blank=True)
    alert_items = models.JSONField(default=list, blank=True)
    alert_text = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_max__gt=F("scale_min")), name="measure_scale_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def item_keys(self) -> list[str]:
        return [item["key"] for item in self.items]

    def band_for(self, total: int | None) -> str:
        if total is None:
            return ""
        for band in self.bands:
            if band["min"] <= total <= band["max"]:
                return str(band["label"])
        return ""


class MeasureReading(models.Model):
    """One dated completion of a measure by an adult, with its item scores."""

    person = models.ForeignKey(
        "families.Person", on_delete=models.PROTECT, related_name="measure_readings"
    )
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="readings")
    taken_on = models.DateField()
    scores = models.JSONField()
    total = models.SmallIntegerField(null=True, blank=True)
    band = models.CharField(max_length=60, blank=True)
    needs_action = models.BooleanField(
        default=False, help_text="An alert item was scored: the worker must act on it."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "measure", "taken_on", "id"]
        indexes = [
            models.Index(fields=["person", "measure", "taken_on"], name="reading_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} for {self.person} on {self.taken_on}"
