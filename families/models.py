"""The case: a family group, its people, and each child's place on the legal-status ladder."""

import datetime
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import Combinable
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date


class LegalStatus(models.TextChoices):
    """The ladder of DOMAIN.md. A date with no episode is level 0: not open."""

    EARLY_HELP = "early_help", "Early help"
    CIN = "cin", "Child in need"
    CP = "cp", "Child protection"
    PRE_PROCEEDINGS = "pre_proceedings", "Pre-proceedings"
    CARE_PROCEEDINGS = "care_proceedings", "Care proceedings"
    LOOKED_AFTER = "looked_after", "Looked after"


def long_date(day: datetime.date) -> str:
    """A date as practitioners write it: "3 March 2024"."""
    return format_date(day, "j F Y")


def level_labels() -> dict[int, str]:
    """Each rung of the ladder by level, 0 (not open) included."""
    return {0: "Not open", **{LEVELS[value]: label for value, label in LegalStatus.choices}}


LEVELS: dict[str, int] = {
    LegalStatus.EARLY_HELP: 1,
    LegalStatus.CIN: 2,
    LegalStatus.CP: 3,
    LegalStatus.PRE_PROCEEDINGS: 4,
    LegalStatus.CARE_PROCEEDINGS: 5,
    LegalStatus.LOOKED_AFTER: 6,
}

# A status episode's level, in the database: for ordering and comparing levels in queries.
LEVEL_OF_STATUS = Case(
    *(When(status=status, then=Value(level)) for status, level in LEVELS.items()),
    default=Value(0),
    output_field=IntegerField(),
)


class ReferralSource(models.TextChoices):
    """Where a referral to children's social care came from: the CIN census's categories."""

    FAMILY = "1A", "Individual: family member, relative or carer"
    ACQUAINTANCE = "1B", "Individual: acquaintance (including neighbours)"
    SELF = "1C", "Individual: self"
    OTHER_INDIVIDUAL = "1D", "Individual: other"
    SCHOOL = "2A", "Schools"
    EDUCATION = "2B", "Education services"
    HEALTH_VISITOR = "3A", "Health: health visitor"
    GP = "3B", "Health: GP"
    PRIMARY_HEALTH = "3C", "Health: other primary health services"
    A_AND_E = "3D", "Health: A&E"
    HOSPITAL = "3E", "Health: other hospital services"
    OTHER_HEALTH = "3F", "Health: other health services"
    HOUSING = "4", "Housing"
    SOCIAL_CARE = "5A", "Local authority: social care"
    OTHER_INTERNAL = "5B", "Local authority: other internal services"
    EXTERNAL_LA = "5C", "Local authority: external"
    EARLY_HELP = "5D", "Early help"
    POLICE = "6", "Police"
    LEGAL = "7", "Other legal agency"
    OTHER = "8", "Other"
    ANONYMOUS = "9", "Anonymous"
    UNKNOWN = "10", "Unknown"


RE_REFERRAL_DAYS = 365  # a re-referral is one within 12 months of the previous closure


def is_re_referral(opened_on: datetime.date, previous_closed_on: datetime.date | None) -> bool:
    """A period of involvement that opened within 12 months of the family's previous one
    closing: the re-referral every evaluation reports."""
    return (
        previous_closed_on is not None and (opened_on - previous_closed_on).days <= RE_REFERRAL_DAYS
    )


class FamilyQuerySet(models.QuerySet["Family"]):
    # Self, not FamilyQuerySet: a queryset keeps its annotations through these.
    def open_on(self, day: datetime.date) -> Self:
        return self.filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day), opened_on__lte=day)

    def open(self) -> Self:
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
    # The current period of involvement's referral (opened_on is its date); earlier periods
    # are InvolvementPeriod rows.
    referral_source = models.CharField(max_length=3, choices=ReferralSource.choices, blank=True)
    referral_reason = models.TextField(blank=True)
    # Review interval and child-safety RAG for group supervision live with supervision.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every service that changes the row: an edit based on an older version is a
    # conflict, never a silent overwrite.
    version = models.PositiveIntegerField(default=1)

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

    # Not a column: the label of the caseload's current_level annotation, set on the rows of
    # the caseload pages (families.views.caseload, the social worker's home page).
    level_label: str

    # Not a column: the family's display name, set for a whole page by
    # families.selectors.name_families (one query); display_name asks for it alone otherwise.
    _display_name: str | None = None

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("families:detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        """The name people know the family by: its children's family and given names
        ("Wellstead — Darius, Riley"), decided by families.selectors.display_names."""
        if self._display_name is None:
            from .selectors import display_names  # the selectors import this module

            self._display_name = display_names([self]).get(self.pk, self.reference)
        return self._display_name

    @property
    def name_and_reference(self) -> str:
        """The display name with the reference beside it: "Wellstead — Darius, Riley
        (DEMO-0042)"; the reference alone when nobody is recorded in the family."""
        name = self.display_name
        return self.reference if name == self.reference else f"{name} ({self.reference})"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def re_referred(self) -> bool:
        """Re-referred within 12 months of the previous closure: on the caseload's rows, which
        carry when the previous period closed (families.selectors.previous_closure_subquery)."""
        return is_re_referral(self.opened_on, getattr(self, "previous_closed_on", None))


class InvolvementPeriod(models.Model):
    """An earlier, closed period of involvement with a family that was later re-referred.

    The current period lives on the family itself (opened_on, closed_on, referral_source,
    referral_reason, closure_reason); re-referring a closed family moves it here.
    """

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="earlier_periods")
    opened_on = models.DateField()
    closed_on = models.DateField()
    closure_reason = models.TextField(blank=True)
    referral_source = models.CharField(max_length=3, choices=ReferralSource.choices, blank=True)
    referral_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["family", "opened_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__gte=F("opened_on")),
                name="involvement_period_closed_not_before_opened",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family}: {self.opened_on} to {self.closed_on}"


class Transfer(models.Model):
    """A family handed to another team or social worker, with the handover note."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="transfers")
    on = models.DateField("transfer date")
    from_team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    from_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handover_note = models.TextField()
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family", "on", "id"]

    def __str__(self) -> str:
        return f"{self.family} transferred on {self.on}"


class Allocation(models.Model):
    """Who held the case when: the current row has no end date."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="allocations")
    social_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["family", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="allocation_end_not_before_start",
            ),
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(end_date__isnull=True),
                name="allocation_one_current_per_family",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family} to {self.social_worker} from {self.start_date}"


class ClosureRequest(models.Model):
    """A social worker asks to close a case; a team manager approves or declines it."""

    class Reason(models.TextChoices):
        STEPPED_DOWN_UNIVERSAL = "stepped_down_universal", "Stepped down to universal services"
        STEPPED_DOWN_EARLY_HELP = "stepped_down_early_help", "Stepped down to early help"
        MOVED_AWAY = "moved_away", "Family moved out of the area"
        TRANSFERRED = "transferred", "Transferred to another service"
        NO_FURTHER_ACTION = "no_further_action", "No further action after assessment"
        ADOPTED_OR_SGO = "adopted_or_sgo", "Adoption or special guardianship"
        OTHER = "other", "Other"

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="closure_requests")
    closing_on = models.DateField()
    reason = models.CharField(max_length=30, choices=Reason.choices)
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(decision="pending"),
                name="closure_one_pending_per_family",
            ),
        ]

    def __str__(self) -> str:
        return f"Close {self.family} on {self.closing_on} ({self.get_decision_display()})"


class Person(models.Model):
    """One person, whatever households they belong to (their memberships) and whoever they
    are related to (their relationships). Their role belongs to each membership."""

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not known"

    class Disability(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNKNOWN = "unknown", "Not known"

    reference = models.CharField(max_length=40, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    # An unborn child: the expected date of delivery, kept after the birth is recorded.
    expected_on = models.DateField("expected date of delivery", null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=100, blank=True)
    disability = models.CharField(
        max_length=10, choices=Disability.choices, default=Disability.UNKNOWN
    )
    religion = models.CharField(max_length=100, blank=True)
    interpreter_needed = models.BooleanField(null=True, blank=True)
    language = models.CharField("first language", max_length=100, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    # A domestic-abuse victim's address and contact details: shown only to those who need
    # them (the allowlist in families.disclosure).
    contact_restricted = models.BooleanField(
        "address and contact details restricted", default=False
    )
    care_experienced = models.BooleanField(null=True, blank=True)
    previous_child_removal = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="person_name_idx"),
            models.Index(fields=["date_of_birth"], name="person_dob_idx"),
        ]

    # Set by families.disclosure.shield_people on a person prepared for showing: their
    # contact details are masked in memory, so this object must never be saved.
    contact_shielded = False
    # Not columns either: set on the people a page shows. details_visible by shield_people;
    # current_episode (the open status episode, or None) by the selectors that load a child's
    # episodes for a page (family_page_data, referrals.selectors.family_summary_for); role
    # and membership (their role in, and membership of, the family the page shows them in)
    # by families.selectors.members_of.
    details_visible: bool
    current_episode: "StatusEpisode | None"
    role: str
    membership: "Membership"

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.contact_shielded:
            raise RuntimeError(
                "A person prepared for showing (contact details masked) is not saved"
            )
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None and self.expected_on is not None

    @property
    def is_child(self) -> bool:
        """As a member of the family they are shown in (role set by members_of)."""
        return self.role == Membership.Role.CHILD

    @property
    def is_father(self) -> bool:
        return self.role in Membership.FATHER_ROLES

    @property
    def has_contact_details(self) -> bool:
        return bool(self.address.strip() or self.phone.strip() or self.email.strip())


class PersonName(models.Model):
    """A name someone was known by before: search finds them by it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="former_names")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, blank=True)
    # When the name stopped being used, as recorded in DMT (the change's date).
    until = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["person", "-until", "-id"]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="person_former_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class MembershipQuerySet(models.QuerySet["Membership"]):
    def on(self, day: datetime.date | Combinable) -> Self:
        """Memberships in force on `day`; an empty joined date means from the start."""
        return self.filter(
            Q(joined_on__isnull=True) | Q(joined_on__lte=day),
            Q(left_on__isnull=True) | Q(left_on__gte=day),
        )

    def current(self) -> Self:
        return self.filter(left_on__isnull=True)

    def children(self) -> Self:
        return self.filter(role=Membership.Role.CHILD)


class Membership(models.Model):
    """A person's place in one family: their role there, and when they joined and left.

    An empty joined date means from before the family's record began (migrated and imported
    households); the left date is the last day they belonged, inclusive.
    """

    class Role(models.TextChoices):
        CHILD = "child", "Child"
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        FATHER_FIGURE = "father_figure", "Father figure"
        CARER = "carer", "Carer"
        OTHER_ADULT = "other_adult", "Other adult"

    FATHER_ROLES = (Role.FATHER, Role.FATHER_FIGURE)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    joined_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["family", "role", "person__date_of_birth", "person__given_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(left_on__gte=F("joined_on")),
                name="membership_left_not_before_joined",
            ),
            models.UniqueConstraint(
                fields=["person", "family"],
                condition=Q(left_on__isnull=True),
                name="membership_one_current_per_family",
            ),
        ]
        indexes = [models.Index(fields=["family", "role"], name="membership_family_role_idx")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()}) in {self.family}"


class RelationshipQuerySet(models.QuerySet["Relationship"]):
    def current(self) -> Self:
        return self.filter(ended_on__isnull=True)

    def fathers(self) -> Self:
        """Parent links whose parent is a father or father figure in some family: a child's
        father is such a link to them ("father not named" and the prompts read this)."""
        return self.filter(
            kind=Relationship.Kind.PARENT,
            person__memberships__role__in=Membership.FATHER_ROLES,
        ).distinct()


class Relationship(models.Model):
    """`person` is `kind` of `relative`: parent of (a parent type), partner, ex-partner or
    sibling of; dated. Partners and siblings are recorded once, either way round."""

    class Kind(models.TextChoices):
        PARENT = "parent", "Parent of"
        PARTNER = "partner", "Partner of"
        EX_PARTNER = "ex_partner", "Ex-partner of"
        SIBLING = "sibling", "Sibling of"

    class ParentType(models.TextChoices):
        BIRTH = "birth", "Birth parent"
        STEP = "step", "Step-parent"
        ADOPTIVE = "adoptive", "Adoptive parent"
        SPECIAL_GUARDIAN = "special_guardian", "Special guardian"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    relative = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="relationships_as_relative"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent_type = models.CharField(max_length=20, choices=ParentType.choices, blank=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["relative", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=F("relative")), name="relationship_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(kind="parent", parent_type__gt="")
                | (~Q(kind="parent") & Q(parent_type="")),
                name="relationship_parent_type_for_parents_only",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="relationship_end_not_before_start",
            ),
            models.UniqueConstraint(
                fields=["person", "relative", "kind"],
                condition=Q(ended_on__isnull=True),
                name="relationship_one_current_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display().lower()} {self.relative}"


class FatherInclusion(models.Model):
    """The father-inclusion (ISAFE) facts for one child, kept up to date by the worker.

    Whether the father is named and his contact details recorded follow from the records
    themselves; the conference facts are recorded here. Empty means not yet known.
    """

    child = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="father_inclusion")
    invited_to_initial_conference = models.BooleanField(null=True, blank=True)
    attended_initial_conference = models.BooleanField(null=True, blank=True)
    invited_to_review_conference = models.BooleanField(null=True, blank=True)
    attended_review_conference = models.BooleanField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "father inclusion"

    def __str__(self) -> str:
        return f"Father inclusion for {self.child}"


class StatusEpisodeQuerySet(models.QuerySet["StatusEpisode"]):
    def covering(self, day: datetime.date | Combinable) -> Self:
        """The episodes covering `day`: a date, or an expression such as an outer reference."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)

    def current(self) -> Self:
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


class ContactKind(models.TextChoices):
    HOME_VISIT = "home_visit", "Home visit"
    OFFICE = "office", "Office visit"
    PHONE = "phone", "Phone call"
    VIDEO = "video", "Video call"
    CORE_GROUP = "core_group", "Core group"
    CP_CONFERENCE = "cp_conference", "Child protection conference"


class Contact(models.Model):
    """One piece of work with the family: a visit, call or meeting, and what came of it."""

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="contacts")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    people_seen = models.ManyToManyField(Person, blank=True, related_name="contacts_seen_at")
    children_seen_alone = models.ManyToManyField(
        Person, blank=True, related_name="contacts_seen_alone_at"
    )
    note = models.TextField()
    next_steps = models.TextField(blank=True)
    significant = models.BooleanField(
        default=False, help_text="Significant events flow into the family's chronology."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contacts_recorded"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["family", "-occurred_at"], name="contact_family_recent_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_at:%Y-%m-%d}"


class ChronologyEntry(models.Model):
    """A significant event in the family's life, summarised once for the chronology."""

    class Source(models.TextChoices):
        CONTACT = "contact", "Contact"
        LEGAL_STATUS = "legal_status", "Legal status"
        ENTERED = "entered", "Entered by hand"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="chronology")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.ENTERED)
    occurred_on = models.DateField()
    summary = models.TextField()
    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="chronology_entry"
    )
    status_episode = models.OneToOneField(
        StatusEpisode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chronology_entry",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name_plural = "chronology entries"

    def __str__(self) -> str:
        return f"{self.occurred_on}: {self.summary[:60]}"


class Plan(models.Model):
    """A child's plan (child in need, child protection...) and when it is next reviewed."""

    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(max_length=20, choices=LegalStatus.choices)
    started_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["child", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="plan_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} plan for {self.child}"


OUTSTANDING_ACTION_STATUSES = ("not_started", "in_progress")


class PlanActionQuerySet(models.QuerySet["PlanAction"]):
    def outstanding(self) -> "PlanActionQuerySet":
        return self.filter(status__in=OUTSTANDING_ACTION_STATUSES)

    def overdue_on(self, day: datetime.date) -> "PlanActionQuerySet":
        return self.outstanding().filter(due_on__lt=day)


class PlanAction(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "No longer needed"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    # The owner is a worker or a family member; exactly one of the two.
    owner_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions",
    )
    owner_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="plan_actions"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = PlanActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_worker__isnull=True, owner_person__isnull=False)
                | Q(owner_worker__isnull=False, owner_person__isnull=True),
                name="plan_action_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def owner(self) -> object:
        return self.owner_worker or self.owner_person

    @property
    def is_overdue(self) -> bool:
        return self.status in OUTSTANDING_ACTION_STATUSES and self.due_on < timezone.localdate()


class ImportRun(models.Model):
    """One run of the case import, previews and refused bundles included (caseimport.importer).

    Only codes and numbers: which files' rows were created, updated or left unchanged.
    """

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the command line, run by the server's operator.",
    )
    dry_run = models.BooleanField(default=False)
    problems = models.PositiveIntegerField(default=0)
    # {"families.csv": {"created": 50, "updated": 0, "unchanged": 0, "deleted": 0}, ...}
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Case import {self.pk}"


class ImportedRecord(models.Model):
    """A record a case import created, and its fingerprint as the import last left it.

    A later import may update the record only while its fingerprint still matches: that is,
    nobody has changed it in DMT since. The fingerprint covers the whole row, version
    included, and for a person also their status episodes (which carry no version). One
    table for families, people, their memberships and referrals (by label and id, like the
    audit trail; a membership goes by its person's reference) rather
    than fields on each: provenance is the importer's business, and a families model may
    not point at referrals.
    """

    object_type = models.CharField(max_length=100)
    object_id = models.PositiveBigIntegerField()
    reference = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=64)
    episodes_fingerprint = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="+")
    written_by = models.ForeignKey(
        ImportRun,
        on_delete=models.PROTECT,
        related_name="records_written",
        help_text="The run that last created or updated the record.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id"], name="imported_record_one_per_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.reference} (imported)"
