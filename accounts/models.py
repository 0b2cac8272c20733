import datetime
import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac


class Locality(models.Model):
    """A geographical part of the council, e.g. Chesil; specialists are co-located in one."""

    AUDIT_CATEGORY = "system"  # changes to it are configuration (accounts.audit)

    name = models.CharField(max_length=100, unique=True)
    child_population = models.PositiveIntegerField(
        null=True, blank=True, help_text="Children aged 0-17 living in the locality, for rates."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    AUDIT_CATEGORY = "system"

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=100)
    # When the team was trained in father inclusion: the ISAFE audit compares before and after.
    fathers_training_on = models.DateField("father-inclusion training on", null=True, blank=True)

    class Meta:
        ordering = ["locality__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "name"], name="team_unique_name_in_locality"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerAgency(models.Model):
    """The employer of a co-located specialist when it is not the council."""

    AUDIT_CATEGORY = "system"

    class Kind(models.TextChoices):
        COUNCIL = "council", "Council"
        NHS_TRUST = "nhs_trust", "NHS trust"
        CHARITY = "charity", "Charity"
        PROBATION = "probation", "Probation service"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "partner agencies"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    SERVICE_MANAGER = "service_manager", "Service manager"
    BUSINESS_SUPPORT = "business_support", "Business support officer"
    SPECIALIST = "specialist", "Adult specialist practitioner"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Administrator"


class SpecialistPathway(models.TextChoices):
    DMT = "dmt", "Dads Matter Too"
    SUBSTANCE_USE = "substance_use", "Substance use"
    DOMESTIC_ABUSE_VICTIM = "domestic_abuse_victim", "Domestic abuse (victims)"
    DOMESTIC_ABUSE_PERPETRATOR = "domestic_abuse_perpetrator", "Domestic abuse (perpetrators)"
    MENTAL_HEALTH = "mental_health", "Mental health"


class StaffManager(UserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> "User":
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A member of staff. What they may see and do follows from their role and placement."""

    AUDIT_CATEGORY = "system"

    role = models.CharField(max_length=20, choices=Role.choices)
    pathway = models.CharField(
        max_length=30,
        choices=SpecialistPathway.choices,
        blank=True,
        help_text="The specialist pathway a specialist works in; empty for other roles.",
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="Where a specialist is co-located, or a service manager's area. "
        "Empty for a service manager means the whole council.",
    )
    agency = models.ForeignKey(
        PartnerAgency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="Empty for council staff.",
    )
    fte = models.DecimalField(
        "full-time equivalent",
        max_digits=3,
        decimal_places=2,
        default=1,
    )
    mi_trained_on = models.DateField("motivational interviewing trained on", null=True, blank=True)
    leads_pathway = models.BooleanField(
        "pathway manager",
        default=False,
        help_text="A specialist who manages their pathway: its waiting list, allocation, "
        "capacity and eligibility rules.",
    )
    # A migration tool, granted to whoever moves a council's records in. Deliberately not
    # implied by the admin role or is_superuser: running the system is not casework.
    can_import_cases = models.BooleanField(
        "case import (data migration)",
        default=False,
        help_text="May import cases from another system on the Import cases page.",
    )
    # A partner agency's own system, reading the API with a token (accounts.api): a
    # practitioner of one pathway at one agency, never a person. It has no password, and the
    # sign-in backend (accounts.backends) refuses it pages and sessions altogether.
    is_service_account = models.BooleanField(
        "service account",
        default=False,
        # Also the database's, so code that predates the column (a worker mid-deploy, a
        # migration test's historical model) can still add staff.
        db_default=False,
        help_text="A partner agency's system using the API, not a person. Created and given "
        "its tokens by an administrator.",
    )

    objects: ClassVar[StaffManager] = StaffManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="specialist") & ~models.Q(pathway=""))
                | (~models.Q(role="specialist") & models.Q(pathway="")),
                name="user_pathway_only_and_always_for_specialists",
            ),
            models.CheckConstraint(
                condition=models.Q(fte__gt=0) & models.Q(fte__lte=1),
                name="user_fte_between_0_and_1",
            ),
            models.CheckConstraint(
                condition=models.Q(leads_pathway=False) | models.Q(role="specialist"),
                name="user_only_specialists_lead_pathways",
            ),
            # A service account sees what a practitioner of its pathway at its agency would:
            # without both it would have no scope at all (or, worse, a manager's).
            models.CheckConstraint(
                condition=models.Q(is_service_account=False)
                | (
                    models.Q(role="specialist")
                    & ~models.Q(pathway="")
                    & models.Q(agency__isnull=False)
                    & models.Q(leads_pathway=False)
                    & models.Q(can_import_cases=False)
                ),
                name="user_service_account_is_a_practitioner_of_one_agency",
            ),
        ]

    # Not columns: a practitioner's capacity (by FTE) and free places on their pathway, set
    # by referrals.selectors.practitioners_with_load for the pathway pages.
    capacity: int
    free: int

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_session_auth_hash(self) -> str:
        return self._session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=secret)

    def _session_auth_hash(self, *, secret: str | bytes | None) -> str:
        """Django signs each session with this and ends a session whose hash no longer
        matches on its next request. Besides the password (Django's own choice) it covers
        everything that decides what the user may see, so a change of role, team, locality,
        pathway or pathway-manager flag, or switching the account off, ends their sessions."""
        placement = "|".join(
            [
                self.password,
                self.role,
                str(self.team_id or ""),
                str(self.locality_id or ""),
                self.pathway,
                str(self.leads_pathway),
                str(self.is_active),
            ]
        )
        if self.is_service_account:
            # Appended only when set, so every existing session's hash stays as it was.
            placement += "|service_account"
        return salted_hmac(
            "accounts.User.session_auth_hash", placement, secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def may_import_cases(self) -> bool:
        """The case import's permission (the page, the command's --as, the importer)."""
        return self.is_active and self.can_import_cases

    @property
    def job_title(self) -> str:
        if self.role == Role.SPECIALIST:
            if self.leads_pathway:
                return f"{self.get_pathway_display()} manager"
            return f"{self.get_pathway_display()} practitioner"
        return self.get_role_display()


class ServiceAccountManager(StaffManager):
    def get_queryset(self) -> models.QuerySet["User"]:
        return super().get_queryset().filter(is_service_account=True)


class ServiceAccount(User):
    """Service accounts alone, for their own page in Django admin (accounts.admin)."""

    objects: ClassVar[ServiceAccountManager] = ServiceAccountManager()

    class Meta:
        proxy = True
        ordering = ["username"]


class ApiToken(models.Model):
    """A bearer token for the API (accounts.api_auth), belonging to one user.

    Only a SHA-256 hash of the token is kept, so a copy of the database lets nobody use one;
    the token itself is shown once, when issued. The prefix (the token's first characters)
    is not secret: it lets the owner and the audit trail tell tokens apart. Written only
    through accounts.services.
    """

    AUDIT_CATEGORY = "system"
    # "dmt_" marks a DMT token wherever one turns up (a log, a repository, a secret scanner).
    KEY_PREFIX = "dmt_"
    # What the display prefix shows of a token: "dmt_" and 8 random characters (48 bits).
    PREFIX_LENGTH = 12

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, to its owner.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        indexes = [models.Index(fields=["user", "created_at"], name="apitoken_user_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_by__isnull=True) | models.Q(revoked_at__isnull=False),
                name="apitoken_revoked_by_only_when_revoked",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="apitoken_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @staticmethod
    def hash_key(key: str) -> str:
        """What the database keeps of a token. SHA-256 with no salt is enough for 256 random
        bits (nobody can guess one to match), and lets a request find its token in one lookup."""
        return hashlib.sha256(key.encode()).hexdigest()

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def system(self) -> "AuditEventQuerySet":
        """Sign-ins and changes to staff and configuration: what an administrator reads."""
        return self.filter(category=AuditEvent.Category.SYSTEM)


class AuditEvent(models.Model):
    """One attributable read or change. Written only through accounts.audit.audit_record.

    A row names its record by type, id and reference, never by a person's name, and its
    detail holds codes, ids, dates and numbers, never notes or text typed by a user: the
    trail must not become a second copy of the case records. On PostgreSQL the table is
    append-only (a trigger refuses UPDATE and DELETE; see migration 0005).
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        LOGOUT = "logout", "Signed out"
        LOCKED_OUT = "locked_out", "Locked out after failed sign-ins"
        TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Set up two-factor authentication"
        TWO_FACTOR_VERIFIED = "two_factor_verified", "Passed two-factor authentication"
        TWO_FACTOR_FAILED = "two_factor_failed", "Failed two-factor authentication"
        RECOVERY_CODE_USED = "recovery_code_used", "Signed in with a recovery code"
        RECOVERY_CODES_MADE = "recovery_codes_made", "Made new recovery codes"
        TWO_FACTOR_RESET = "two_factor_reset", "Turned off two-factor authentication"
        TOKEN_ISSUED = "token_issued", "Issued an API token"
        TOKEN_REVOKED = "token_revoked", "Revoked an API token"
        TOKEN_USED = "token_used", "Used an API token"

    class Category(models.TextChoices):
        # What the row is about. Administrators read system rows only; auditors read all.
        CASE = "case", "Case records"
        SYSTEM = "system", "Sign-in, staff and configuration"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    # Kept as typed, so a failed sign-in with an unknown username is still attributable.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.CASE)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The record's own reference (a case's, a person's, a referral's) or a member of staff's
    # username: enough for an auditor to open the record, and no more.
    object_reference = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
            models.Index(fields=["category", "at"], name="audit_category_at_idx"),
            # Failed sign-ins from one address in the last cool-off (accounts.lockout).
            models.Index(fields=["ip_address", "action", "at"], name="audit_ip_action_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username or 'anonymous'} {self.action} {self.object_type} {self.object_id}"


class Draft(models.Model):
    """Unsaved form text kept server-side, so a timeout or lost connection loses nothing.

    `key` names the form and the record, e.g. "contact:family:12" (see accounts.drafts); one
    draft per user and key. Drafts are keyed text: this layer knows nothing of the records.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    key = models.CharField(max_length=100)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="accounts_draft_one_per_user_and_key"
            ),
        ]

    def __str__(self) -> str:
        return f"Draft {self.key} by {self.user}"
