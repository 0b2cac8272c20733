"""Specialist pathways and the referrals of adults to them (issue 4 builds on these)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.models import SpecialistPathway


class Pathway(models.Model):
    """A specialist pathway: DMT, substance use, domestic abuse (victims or perpetrators),
    mental health. Rows, not code, so a council can configure them."""

    AUDIT_CATEGORY = "system"  # configuration, not a case record (accounts.audit)

    code = models.CharField(max_length=30, unique=True, choices=SpecialistPathway.choices)
    name = models.CharField(max_length=100)
    agency = models.ForeignKey(
        "accounts.PartnerAgency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pathways",
    )
    caseload_per_fte = models.PositiveSmallIntegerField(
        default=15, help_text="Open cases one full-time practitioner can hold."
    )
    review_weeks = models.PositiveSmallIntegerField(
        default=12, help_text="Weeks from allocation, and between reviews, to the next review."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def capacity_for(self, fte: Decimal | float | str) -> int:
        """Open cases a practitioner working `fte` of full time can hold on this pathway."""
        return int(Decimal(fte) * self.caseload_per_fte)


class PathwayStage(models.Model):
    """A step of a pathway, in order (mental health: referral, MI before assessment, ...)."""

    AUDIT_CATEGORY = "system"  # configuration, not a case record (accounts.audit)

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="stages")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField()
    is_closed = models.BooleanField(default=False, help_text="The stage a closed referral is in.")

    class Meta:
        ordering = ["pathway", "order"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "code"], name="stage_code_unique"),
            models.UniqueConstraint(fields=["pathway", "order"], name="stage_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pathway}: {self.name}"


class EligibilityRule(models.Model):
    """One condition a referral to a pathway should meet, while the rule is in force.

    Rules are data a manager edits, because eligibility changes over time (the DMT pilot took
    fathers aged 16 to 30 with a child under 1 in chosen areas; later, any father of a child
    on a CP plan or in pre-proceedings). All rules in force on the referral date apply.
    """

    AUDIT_CATEGORY = "system"  # configuration, not a case record (accounts.audit)

    class Kind(models.TextChoices):
        ADULT_AGE_BETWEEN = "adult_age_between", "Adult's age between (min, max years)"
        CHILD_UNDER_MONTHS = "child_under_months", "A child in the family under (months)"
        LOCALITY_IN = "locality_in", "Family lives in one of (localities)"
        CHILD_STATUS_IN = "child_status_in", "A child's current status is one of (statuses)"

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    params = models.JSONField(
        help_text='adult_age_between: {"min": 16, "max": 30}; child_under_months: '
        '{"months": 12}; locality_in: {"localities": [...]}; child_status_in: '
        '{"statuses": ["cp", "pre_proceedings"]}'
    )
    in_force_from = models.DateField()
    in_force_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pathway", "in_force_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_force_to__isnull=True) | Q(in_force_to__gte=F("in_force_from")),
                name="rule_in_force_to_not_before_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pathway}: {self.get_kind_display()} {self.params}"


class ReferralQuerySet(models.QuerySet["Referral"]):
    def open_on(self, day: datetime.date) -> "ReferralQuerySet":
        return self.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day), referred_on__lte=day)

    def waiting(self) -> "ReferralQuerySet":
        return self.filter(closed_on__isnull=True, allocated_on__isnull=True)


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class ClosureReason(models.TextChoices):
    COMPLETED = "completed", "Completed"
    DISENGAGED = "disengaged", "Disengaged"
    DECLINED = "declined", "Declined"
    MOVED_AWAY = "moved_away", "Moved away"
    INAPPROPRIATE = "inappropriate", "Inappropriate referral"
    OTHER = "other", "Other"


class CycleOfChange(models.TextChoices):
    """Motivational interviewing's cycle of change."""

    PRE_CONTEMPLATION = "pre_contemplation", "Pre-contemplation"
    CONTEMPLATION = "contemplation", "Contemplation"
    PREPARATION = "preparation", "Preparation"
    ACTION = "action", "Action"
    MAINTENANCE = "maintenance", "Maintenance"
    RELAPSE = "relapse", "Relapse"


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
    # The family the referral was made in: a father in two households is referred from one of
    # them, and the intervention (its reports, its access) belongs to that family.
    family = models.ForeignKey(
        "families.Family", on_delete=models.PROTECT, related_name="referrals"
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
    next_review_on = models.DateField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)
    previously_known = models.BooleanField(
        null=True,
        blank=True,
        help_text="Known to the partner's core service before this referral.",
    )
    rag = models.CharField("priority (RAG)", max_length=5, choices=Rag.choices, default=Rag.AMBER)
    areas_of_need = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    stage = models.ForeignKey(
        PathwayStage, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    eligibility_override = models.TextField(
        blank=True, help_text="Why the referral went ahead outside the pathway's rules."
    )
    closure_code = models.CharField(
        "closure reason", max_length=20, choices=ClosureReason.choices, blank=True
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

    # Not columns: set on the rows of the practitioner's home page and the pathway's waiting
    # list (referrals.selectors), for the templates.
    days_waiting: int
    cycle_label: str

    def __str__(self) -> str:
        return f"{self.reference}: {self.person} to {self.pathway}"


class ReferralReview(models.Model):
    """A practitioner's review of the work with an adult, which sets when the next is due."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    summary = models.TextField()
    next_review_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referral", "reviewed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_on__isnull=True) | Q(next_review_on__gt=F("reviewed_on")),
                name="review_next_after_this",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.referral} on {self.reviewed_on}"


class OutcomeMeasure(models.Model):
    """A questionnaire or scale as data: its items, the score each takes, and how totals read.

    `bands` is a list of {"min", "max", "label"} over the total; `alert_items` are items where
    any score above the minimum must prompt action whatever the total (PHQ-9 item 9).
    """

    AUDIT_CATEGORY = "system"  # configuration, not a case record (accounts.audit)

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


class ReferralStageChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="stage_changes")
    stage = models.ForeignKey(PathwayStage, on_delete=models.PROTECT, related_name="+")
    changed_on = models.DateField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["referral", "changed_on", "id"]

    def __str__(self) -> str:
        return f"{self.referral} to {self.stage} on {self.changed_on}"


class EngagementChange(models.Model):
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="engagement_changes"
    )
    engagement = models.CharField(max_length=20, choices=Engagement.choices)
    changed_on = models.DateField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["referral", "changed_on", "id"]

    def __str__(self) -> str:
        return f"{self.referral}: {self.engagement} on {self.changed_on}"


class CycleOfChangeEntry(models.Model):
    """Where an adult is on the cycle of change, as placed by a practitioner or in group
    supervision; the history is kept, the latest entry is current."""

    class Source(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        GROUP_SUPERVISION = "group_supervision", "Group supervision"

    person = models.ForeignKey(
        "families.Person", on_delete=models.CASCADE, related_name="cycle_of_change"
    )
    stage = models.CharField(max_length=20, choices=CycleOfChange.choices)
    recorded_on = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PRACTITIONER)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "recorded_on", "id"]
        verbose_name_plural = "cycle of change entries"

    def __str__(self) -> str:
        return f"{self.person}: {self.get_stage_display()} on {self.recorded_on}"


class EngagementAttempt(models.Model):
    """One try to engage a father (or any referred adult): each is worth recording."""

    class Method(models.TextChoices):
        VISIT = "visit", "Home visit"
        PHONE = "phone", "Phone call"
        TEXT = "text", "Text message"
        LETTER = "letter", "Letter"
        VIA_SOCIAL_WORKER = "via_social_worker", "Through the social worker"

    class Outcome(models.TextChoices):
        SPOKE = "spoke", "Spoke with him"
        MET = "met", "Met"
        NO_REPLY = "no_reply", "No reply"
        MESSAGE_LEFT = "message_left", "Left a message"
        DECLINED = "declined", "Declined"
        ARRANGED = "arranged", "Arranged to meet"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attempts")
    attempted_on = models.DateField()
    method = models.CharField(max_length=20, choices=Method.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referral", "attempted_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} on {self.attempted_on}: {self.get_outcome_display()}"


class Appointment(models.Model):
    """A session with an adult, and whether it happened."""

    class Outcome(models.TextChoices):
        BOOKED = "booked", "Booked"
        ATTENDED = "attended", "Attended"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"
        CANCELLED_BY_CLIENT = "cancelled_by_client", "Cancelled by the adult"
        CANCELLED_BY_SERVICE = "cancelled_by_service", "Cancelled by the service"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=60)
    outcome = models.CharField(max_length=25, choices=Outcome.choices, default=Outcome.BOOKED)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.referral} at {self.starts_at:%Y-%m-%d %H:%M}"


class Consultation(models.Model):
    """Advice a DMT worker gave a social worker about a father not on the DMT caseload."""

    given_on = models.DateField()
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations_given"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations_received",
    )
    topic = models.CharField(max_length=200)
    minutes = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-given_on", "-id"]

    def __str__(self) -> str:
        return f"{self.topic} ({self.given_on})"


class GroupProgramme(models.Model):
    """A run of a group such as "Lads to Dads": weekly themed sessions, open to fathers."""

    class Delivery(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"

    name = models.CharField(max_length=100)
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="programmes")
    locality = models.ForeignKey(
        "accounts.Locality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    starts_on = models.DateField()

    class Meta:
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return f"{self.name} from {self.starts_on}"


class ProgrammeSession(models.Model):
    programme = models.ForeignKey(GroupProgramme, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    theme = models.CharField(max_length=100)
    held_on = models.DateField()

    class Meta:
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="session_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.name} session {self.number}: {self.theme}"


class ProgrammeAttendance(models.Model):
    """A father at a session: one with a case is linked; one without is recorded by name."""

    session = models.ForeignKey(
        ProgrammeSession, on_delete=models.CASCADE, related_name="attendance"
    )
    person = models.ForeignKey(
        "families.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendee_name = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(attendee_name=""),
                name="attendance_names_someone",
            ),
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=Q(person__isnull=False),
                name="attendance_once_per_session",
            ),
        ]

    # Not columns: whether the signed-in user may see the father's case, and its family's
    # reference, set for the session page (referrals.dmt_views.session_detail).
    visible: bool
    family_reference: str

    def __str__(self) -> str:
        return f"{self.person or self.attendee_name} at {self.session}"


class TrainingSession(models.Model):
    """A mini training session a DMT worker delivered."""

    delivered_on = models.DateField()
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField(max_length=200)
    attendees = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-delivered_on"]

    def __str__(self) -> str:
        return f"{self.audience} ({self.delivered_on})"
