"""The case: a family group, its people, and each child's place on the legal-status ladder."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class LegalStatus(models.TextChoices):
    """The ladder of DOMAIN.md. A date with no episode is level 0: not open."""

    EARLY_HELP = "early_help", "Early help"
    CIN = "cin", "Child in need"
    CP = "cp", "Child protection"
    PRE_PROCEEDINGS = "pre_proceedings", "Pre-proceedings"
    CARE_PROCEEDINGS = "care_proceedings", "Care proceedings"
    LOOKED_AFTER = "looked_after", "Looked after"


LEVELS: dict[str, int] = {
    LegalStatus.EARLY_HELP: 1,
    LegalStatus.CIN: 2,
    LegalStatus.CP: 3,
    LegalStatus.PRE_PROCEEDINGS: 4,
    LegalStatus.CARE_PROCEEDINGS: 5,
    LegalStatus.LOOKED_AFTER: 6,
}


class FamilyQuerySet(models.QuerySet["Family"]):
    def open_on(self, day: datetime.date) -> "FamilyQuerySet":
        return self.filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day), opened_on__lte=day)

    def open(self) -> "FamilyQuerySet":
        return self.filter(closed_on__isnull=True)


class Family(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    locality = models.ForeignKey(
        "accounts.Locality", on_delete=models.PROTECT, related_name="families"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="families"
    )
    social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocated_families",
    )
    cohort = models.CharField(max_length=100, blank=True)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FamilyQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        verbose_name_plural = "families"
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="family_closed_not_before_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Person(models.Model):
    class Role(models.TextChoices):
        CHILD = "child", "Child"
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        FATHER_FIGURE = "father_figure", "Father figure"
        CARER = "carer", "Carer"
        OTHER_ADULT = "other_adult", "Other adult"

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not known"

    reference = models.CharField(max_length=40, unique=True)
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="people")
    role = models.CharField(max_length=20, choices=Role.choices)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=100, blank=True)
    care_experienced = models.BooleanField(null=True, blank=True)
    previous_child_removal = models.BooleanField(null=True, blank=True)
    # For a child: the father or father figure, so fathers stay visible on the child's record.
    father = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children_fathered",
        limit_choices_to={"role__in": ["father", "father_figure"]},
    )

    class Meta:
        ordering = ["family", "role", "given_name"]
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["family_name", "given_name"], name="person_name_idx")]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def is_child(self) -> bool:
        return self.role == self.Role.CHILD


class StatusEpisodeQuerySet(models.QuerySet["StatusEpisode"]):
    def covering(self, day: datetime.date) -> "StatusEpisodeQuerySet":
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)

    def current(self) -> "StatusEpisodeQuerySet":
        return self.filter(end_date__isnull=True)


class StatusEpisode(models.Model):
    """A dated spell of one child on one rung of the ladder; the end date is inclusive."""

    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="status_episodes")
    status = models.CharField(max_length=20, choices=LegalStatus.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    objects = StatusEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["child", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="status_episode_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.child}: {self.get_status_display()} from {self.start_date}"

    @property
    def level(self) -> int:
        return LEVELS[self.status]
