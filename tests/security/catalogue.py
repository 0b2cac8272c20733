"""Every URL pattern of the site, made concrete with the world's records.

`targets_for(world)` gives, per pattern name, the (label, path) pairs to try: the label says
which record the path opens ("SEC-1", "Frank: DMT"), in words that stay the same whatever
ids the database hands out. A test fails when a pattern of the URL configuration is missing
here, so a new page joins every walk (restricted details, view audit, the permission matrix,
odd input) by being added to this one table.
"""

from collections.abc import Callable, Iterator
from typing import NamedTuple

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .world import World

# Django admin is walked through the few pages that matter (tests/accounts); its generated
# patterns are not listed one by one.
SKIPPED_NAMESPACES = {"admin"}


class Target(NamedTuple):
    label: str  # which record, in words; "" when the pattern takes none
    path: str


def url_names() -> list[str]:
    """Every named URL pattern, as "namespace:name" (or "name"), admin apart."""

    def walk(patterns: list, namespace: str | None) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner in SKIPPED_NAMESPACES:
                    continue
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return sorted(set(walk(get_resolver().url_patterns, None)))


def at(label: str, name: str, *args: object, query: str = "") -> Target:
    return Target(label, reverse(name, args=args) + (f"?{query}" if query else ""))


def page(name: str, query: str = "") -> Callable[[World], list[Target]]:
    """A pattern that opens no record of its own."""
    return lambda w: [at(query, name, query=query)]


def each_referral(name: str, *extra: object) -> Callable[[World], list[Target]]:
    return lambda w: [
        at(label, name, referral.pk, *extra) for label, referral in w.referral_labels()
    ]


def each_referral_reference(name: str) -> Callable[[World], list[Target]]:
    """The API names a referral by its reference."""
    return lambda w: [
        at(label, name, referral.reference) for label, referral in w.referral_labels()
    ]


def each_referral_part(name: str, part: str) -> Callable[[World], list[Target]]:
    """The first of each referral's attempts (or appointments), through the API."""
    return lambda w: [
        at(label, name, referral.reference, record.pk)
        for label, referral in w.referral_labels()
        for record in getattr(referral, part).order_by("pk")[:1]
    ]


CATALOGUE: dict[str, Callable[[World], list[Target]]] = {
    "home": page("home"),
    "healthz": page("healthz"),
    "accounts:login": page("accounts:login"),
    "accounts:logout": page("accounts:logout"),
    "accounts:two_factor": page("accounts:two_factor"),
    "accounts:two_factor_setup": page("accounts:two_factor_setup"),
    "accounts:two_factor_verify": page("accounts:two_factor_verify"),
    "accounts:recovery_codes": page("accounts:recovery_codes"),
    "accounts:two_factor_off": page("accounts:two_factor_off"),
    "accounts:audit_events": lambda w: [
        at("", "accounts:audit_events"),
        at(
            "SEC-1",
            "accounts:audit_events",
            query=f"object_type=families.family&object_id={w.family.pk}",
        ),
    ],
    # Families.
    "families:caseload": lambda w: [
        at("mine", "families:caseload"),
        at("team", "families:caseload", query="show=team"),
    ],
    "families:caseload_export": page("families:caseload_export", "show=team"),
    "families:create": page("families:create"),
    "caseimport:import": page("caseimport:import"),
    "families:search": lambda w: [
        at("by name", "families:search", query="q=Wellstead"),
        at("by reference", "families:search", query=f"q={w.mother.reference}"),
    ],
    "accounts:draft_save": page("accounts:draft_save"),
    "accounts:draft_discard": page("accounts:draft_discard"),
    "families:closure_decide": lambda w: [
        at("SEC-2", "families:closure_decide", w.objects["closure"].pk)
    ],
    "families:detail": lambda w: [
        at("SEC-1", "families:detail", w.family.pk),
        at("SEC-2", "families:detail", w.other_family.pk),
        at("SEC-9 (Chesil)", "families:detail", w.outside_family.pk),
    ],
    "families:allocate": lambda w: [at("SEC-1", "families:allocate", w.family.pk)],
    "families:contact_create": lambda w: [at("SEC-1", "families:contact_create", w.family.pk)],
    "families:child_status": lambda w: [
        at("SEC-1 Cara", "families:child_status", w.family.pk, w.child.pk)
    ],
    "families:person_edit": lambda w: [
        *(
            at(f"SEC-1 {person.given_name}", "families:person_edit", w.family.pk, person.pk)
            for person in (w.mother, w.father, w.child)
        ),
        # Rachel through her other household; Cara through a family she is not in.
        at(
            "SEC-9 Rachel (also in SEC-1)", "families:person_edit", w.outside_family.pk, w.mother.pk
        ),
        at("SEC-2 Cara (not hers)", "families:person_edit", w.other_family.pk, w.child.pk),
    ],
    "families:father_inclusion": lambda w: [
        at("SEC-1 Cara", "families:father_inclusion", w.family.pk, w.child.pk)
    ],
    "families:plan_start": lambda w: [
        at("SEC-1 Cara", "families:plan_start", w.family.pk, w.child.pk)
    ],
    "families:plan_action_add": lambda w: [
        at("SEC-1 Cara's plan", "families:plan_action_add", w.family.pk, w.objects["plan"].pk)
    ],
    "families:plan_action_status": lambda w: [
        at(
            "SEC-1 Cara's action",
            "families:plan_action_status",
            w.family.pk,
            w.objects["plan_action"].pk,
        )
    ],
    "families:closure_request": lambda w: [at("SEC-1", "families:closure_request", w.family.pk)],
    "families:chronology": lambda w: [at("SEC-1", "families:chronology", w.family.pk)],
    "families:rerefer": lambda w: [
        at("SEC-0 (closed)", "families:rerefer", w.objects["closed_family"].pk),
        at("SEC-1 (open)", "families:rerefer", w.family.pk),
    ],
    "families:transfer": lambda w: [at("SEC-1", "families:transfer", w.family.pk)],
    "families:caseload_transfer": page("families:caseload_transfer"),
    "families:person_add": lambda w: [at("SEC-1", "families:person_add", w.family.pk)],
    "families:member_leave": lambda w: [
        at("SEC-1 Rachel", "families:member_leave", w.family.pk, w.mother.pk),
        at("SEC-2 Cara (not hers)", "families:member_leave", w.other_family.pk, w.child.pk),
    ],
    "families:father_add": lambda w: [
        at("SEC-1 Cara", "families:father_add", w.family.pk, w.child.pk),
        at("SEC-1 Cara, search", "families:father_add", w.family.pk, w.child.pk, query="q=Frank"),
    ],
    "families:pregnancy_add": lambda w: [at("SEC-1", "families:pregnancy_add", w.family.pk)],
    # Cara is born: her birth page sends the owner back to the family page.
    "families:birth_add": lambda w: [
        at("SEC-1 Cara (born)", "families:birth_add", w.family.pk, w.child.pk)
    ],
    # Referrals.
    "referrals:refer": lambda w: [
        at("Frank", "referrals:refer", w.father.pk),
        at("Rachel", "referrals:refer", w.mother.pk),
        at("Rachel, from SEC-1", "referrals:refer", w.mother.pk, w.family.pk),
        at("Rachel, from SEC-9", "referrals:refer", w.mother.pk, w.outside_family.pk),
    ],
    "referrals:caseload_export": page("referrals:caseload_export"),
    "referrals:pathways": page("referrals:pathways"),
    "referrals:pathway": lambda w: [
        at(code, "referrals:pathway", code) for code in ("dmt", "domestic_abuse_victim")
    ],
    "referrals:detail": each_referral("referrals:detail"),
    "referrals:allocate": lambda w: [
        at("Gareth: DMT (waiting)", "referrals:allocate", w.waiting_referral.pk)
    ],
    "referrals:stage": each_referral("referrals:stage"),
    "referrals:engagement": each_referral("referrals:engagement"),
    "referrals:attempt_create": each_referral("referrals:attempt_create"),
    "referrals:appointment_create": each_referral("referrals:appointment_create"),
    "referrals:appointment_outcome": lambda w: [
        at(label, "referrals:appointment_outcome", referral.pk, appointment.pk)
        for label, referral in w.referral_labels()
        for appointment in referral.appointments.all()[:1]
    ],
    "referrals:measure_create": lambda w: [
        at("Frank: DMT", "referrals:measure_create", w.referrals["father_dmt"].pk, "recovery-star"),
        at(
            "Rachel: mental health",
            "referrals:measure_create",
            w.referrals["mother_mental_health"].pk,
            "phq-9",
        ),
    ],
    "referrals:cycle_of_change": each_referral("referrals:cycle_of_change"),
    "referrals:review": each_referral("referrals:review"),
    "referrals:close": each_referral("referrals:close"),
    "referrals:dmt_work": page("referrals:dmt_work"),
    "referrals:dmt_consultation_create": page("referrals:dmt_consultation_create"),
    "referrals:dmt_training_create": page("referrals:dmt_training_create"),
    "referrals:dmt_programme_create": page("referrals:dmt_programme_create"),
    "referrals:dmt_programme": lambda w: [
        at("Lads to Dads", "referrals:dmt_programme", w.programme.pk)
    ],
    "referrals:dmt_session": lambda w: [
        at("Lads to Dads session 1", "referrals:dmt_session", w.programme.pk, 1)
    ],
    "referrals:rules": lambda w: [at("dmt", "referrals:rules", "dmt")],
    "referrals:rule_create": lambda w: [at("dmt", "referrals:rule_create", "dmt")],
    "referrals:rule_end": lambda w: [
        at("dmt's first rule", "referrals:rule_end", "dmt", rule.pk)
        for rule in w.referrals["father_dmt"].pathway.rules.order_by("pk")[:1]
    ],
    "api-home": page("api-home"),
    "api-schema": page("api-schema"),
    "api-docs": page("api-docs"),
    "api-referral-list": page("api-referral-list"),
    "api-auth:token": page("api-auth:token"),
    "api-auth:tokens": lambda w: [
        at("", "api-auth:tokens"),
        at("alice's", "api-auth:tokens", query="owner=alice"),
    ],
    "api-auth:token_detail": lambda w: [
        at("alice's script", "api-auth:token_detail", w.objects["alice_token"].pk)
    ],
    "api-auth:service_accounts": page("api-auth:service_accounts"),
    "api-auth:service_account_rotate": lambda w: [
        at(
            "the partner's system",
            "api-auth:service_account_rotate",
            w.objects["service_account"].username,
        )
    ],
    "api-family-list": page("api-family-list"),
    "api-family-detail": lambda w: [
        at("SEC-1", "api-family-detail", w.family.reference),
        at("SEC-2", "api-family-detail", w.other_family.reference),
        at("SEC-9 (Chesil)", "api-family-detail", w.outside_family.reference),
    ],
    # Cara lives only in SEC-1; Rachel in SEC-1 and SEC-9; Frank is the perpetrator.
    "api-person-detail": lambda w: [
        at(f"SEC-1 {person.given_name}", "api-person-detail", person.reference)
        for person in (w.child, w.mother, w.father)
    ],
    "api-family-status-episode-list": lambda w: [
        at("SEC-1", "api-family-status-episode-list", w.family.reference)
    ],
    "api-family-status-episode-detail": lambda w: [
        at(
            "SEC-1 Cara's episode",
            "api-family-status-episode-detail",
            w.family.reference,
            w.child.status_episodes.order_by("pk")[0].pk,
        )
    ],
    "api-family-contact-list": lambda w: [
        at("SEC-1", "api-family-contact-list", w.family.reference)
    ],
    "api-family-contact-detail": lambda w: [
        at(
            "SEC-1's home visit",
            "api-family-contact-detail",
            w.family.reference,
            w.family.contacts.order_by("pk")[0].pk,
        )
    ],
    "api-family-plan-list": lambda w: [at("SEC-1", "api-family-plan-list", w.family.reference)],
    "api-family-plan-action-detail": lambda w: [
        at(
            "SEC-1 Cara's action",
            "api-family-plan-action-detail",
            w.family.reference,
            w.objects["plan_action"].pk,
        )
    ],
    "api-meeting-list": page("api-meeting-list"),
    "api-meeting-detail": lambda w: [
        at("last week's", "api-meeting-detail", w.past_meeting.pk),
        at("next", "api-meeting-detail", w.next_meeting.pk),
    ],
    "api-action-list": page("api-action-list"),
    "api-action-detail": lambda w: [
        at("alice's action", "api-action-detail", w.supervision_action.pk)
    ],
    "api-action-done": lambda w: [at("alice's action", "api-action-done", w.supervision_action.pk)],
    "api-report-list": page("api-report-list"),
    "api-report-detail": lambda w: [at("engagement, DMT", "api-report-detail", w.run.pk)],
    "api-referral-detail": each_referral_reference("api-referral-detail"),
    "api-referral-stage": each_referral_reference("api-referral-stage"),
    "api-referral-engagement": each_referral_reference("api-referral-engagement"),
    "api-referral-close": each_referral_reference("api-referral-close"),
    "api-referral-review": each_referral_reference("api-referral-review"),
    "api-referral-attempt-list": each_referral_reference("api-referral-attempt-list"),
    "api-referral-attempt-detail": each_referral_part("api-referral-attempt-detail", "attempts"),
    "api-referral-appointment-list": each_referral_reference("api-referral-appointment-list"),
    "api-referral-appointment-detail": each_referral_part(
        "api-referral-appointment-detail", "appointments"
    ),
    "api-referral-reading-list": each_referral_reference("api-referral-reading-list"),
    "api-referral-cycle-list": each_referral_reference("api-referral-cycle-list"),
    # Group supervision.
    "supervision:index": page("supervision:index"),
    "supervision:setup": page("supervision:setup"),
    "supervision:availability": page("supervision:availability"),
    "supervision:members": lambda w: [at("West's group", "supervision:members", w.group.pk)],
    "supervision:group": lambda w: [at("West's group", "supervision:group", w.group.pk)],
    "supervision:schedule": lambda w: [at("West's group", "supervision:schedule", w.group.pk)],
    "supervision:meeting": lambda w: [
        at("last week's", "supervision:meeting", w.past_meeting.pk),
        at("next", "supervision:meeting", w.next_meeting.pk),
    ],
    "supervision:agenda": lambda w: [at("next", "supervision:agenda", w.next_meeting.pk)],
    "supervision:slots": lambda w: [at("next", "supervision:slots", w.next_meeting.pk)],
    "supervision:cancel": lambda w: [at("next", "supervision:cancel", w.next_meeting.pk)],
    "supervision:sign_off": lambda w: [
        at("last week's", "supervision:sign_off", w.past_meeting.pk)
    ],
    "supervision:minutes": lambda w: [
        at("last week's, SEC-1", "supervision:minutes", w.past_meeting.pk, w.family.pk),
        at("last week's, SEC-2", "supervision:minutes", w.past_meeting.pk, w.other_family.pk),
    ],
    "supervision:not_discussed": lambda w: [
        at(
            "last week's, SEC-2",
            "supervision:not_discussed",
            w.past_meeting.pk,
            w.other_family.pk,
        )
    ],
    "supervision:interval": lambda w: [
        at("last week's, SEC-1", "supervision:interval", w.past_meeting.pk, w.family.pk)
    ],
    "supervision:addendum": lambda w: [
        at("SEC-1's minutes", "supervision:addendum", w.discussion.pk)
    ],
    "supervision:action_done": lambda w: [
        at("alice's action", "supervision:action_done", w.supervision_action.pk)
    ],
    "supervision_feed:feed": page("supervision_feed:feed"),
    "supervision_feed:ics": lambda w: [at("alice's feed", "supervision_feed:ics", w.feed.token)],
    "supervision_feed:meeting_ics": lambda w: [
        at("next", "supervision_feed:meeting_ics", w.next_meeting.pk)
    ],
    # Outcomes.
    "outcomes:dashboard": page("outcomes:dashboard"),
    "outcomes:refresh": page("outcomes:refresh"),
    "outcomes:request": page("outcomes:request"),
    "outcomes:runs": page("outcomes:runs"),
    "outcomes:run": lambda w: [at("engagement, DMT", "outcomes:run", w.run.pk)],
    "outcomes:run_status": lambda w: [at("engagement, DMT", "outcomes:run_status", w.run.pk)],
    "outcomes:export_csv": lambda w: [at("engagement, DMT", "outcomes:export_csv", w.run.pk)],
    "outcomes:export_xlsx": lambda w: [at("engagement, DMT", "outcomes:export_xlsx", w.run.pk)],
    "outcomes:print": lambda w: [at("engagement, DMT", "outcomes:print", w.run.pk)],
    "outcomes:members": lambda w: [
        at("engagement, DMT: approached", "outcomes:members", w.run.pk, query="key=approached"),
        at(
            "engagement, DMT: approached, West team",
            "outcomes:members",
            w.run.pk,
            query=f"key=approached&group={w.family.team_id}",
        ),
        # New and the rest are suppressed here ("<5", or so as not to give one away
        # by subtraction): nobody may open them.
        at("engagement, DMT: new (suppressed)", "outcomes:members", w.run.pk, query="key=new"),
    ],
}


# For each page or action that opens a record: its owner, a colleague and an outsider, as
# they stand to the pattern's first target (the world's main record). The owner may use it
# and the outsider may not (tests/security/test_walk.py); what the colleague may do is
# recorded in docs/permissions.md. Pages that are no one's record (home, sign-in, one's own
# settings) are listed in test_walk.NOT_RECORD_PAGES instead.
_FAMILY = ("alice", "bob", "charlie")  # the family's worker, her teammate, another team's
_MANAGER = ("tina", "alice", "chris")  # the team's manager, her worker, another team's manager
_CHAIR = ("tina", "bella", "chris")  # the group's chair, its minute-taker, another chair
_CLERK = ("bella", "tina", "charlie")  # the minute-taker, the chair, another team's worker
_PRACTICE = ("dan", "nadia", "mo")  # Frank's DMT worker, the DMT manager, another pathway's
_DMT = ("dan", "nadia", "rosa")  # DMT's own work: a worker, the manager, another pathway's
_RULES = ("nadia", "sue", "dan")  # the pathway's manager, a service manager, a practitioner
_OUTCOMES = ("sue", "nadia", "alice")  # a service manager, a pathway manager, a worker
ACCESS: dict[str, tuple[str, str, str]] = {
    "accounts:audit_events": ("audrey", "adam", "alice"),
    "families:allocate": _MANAGER,
    "families:caseload": ("alice", "bob", "dan"),
    "families:caseload_export": ("alice", "bob", "dan"),
    "families:child_status": _FAMILY,
    "families:chronology": _FAMILY,
    "families:closure_decide": _MANAGER,
    "families:closure_request": _FAMILY,
    "families:contact_create": _FAMILY,
    "families:create": ("alice", "bob", "dan"),
    "families:detail": _FAMILY,
    "families:father_inclusion": _FAMILY,
    "caseimport:import": ("ivy", "adam", "alice"),
    "families:person_edit": _FAMILY,
    "families:plan_action_add": _FAMILY,
    "families:plan_action_status": _FAMILY,
    "families:plan_start": _FAMILY,
    "families:search": ("alice", "bob", "dan"),
    "families:rerefer": _FAMILY,
    "families:transfer": _MANAGER,
    "families:caseload_transfer": ("tina", "sue", "alice"),
    "families:person_add": _FAMILY,
    "families:member_leave": _FAMILY,
    "families:father_add": _FAMILY,
    "families:pregnancy_add": _FAMILY,
    "families:birth_add": _FAMILY,
    "referrals:allocate": ("nadia", "dan", "alice"),
    "referrals:appointment_create": _PRACTICE,
    "referrals:appointment_outcome": _PRACTICE,
    "referrals:attempt_create": _PRACTICE,
    "referrals:caseload_export": ("dan", "rosa", "alice"),
    "referrals:close": _PRACTICE,
    "referrals:cycle_of_change": _PRACTICE,
    "referrals:detail": ("dan", "kieran", "mo"),
    "referrals:dmt_consultation_create": _DMT,
    "referrals:dmt_programme": _DMT,
    "referrals:dmt_programme_create": _DMT,
    "referrals:dmt_session": _DMT,
    "referrals:dmt_training_create": _DMT,
    "referrals:dmt_work": _DMT,
    "referrals:engagement": _PRACTICE,
    "referrals:measure_create": _PRACTICE,
    "referrals:pathway": _RULES,
    "referrals:pathways": _RULES,
    "referrals:refer": _FAMILY,
    "referrals:review": _PRACTICE,
    "referrals:rule_create": _RULES,
    "referrals:rule_end": _RULES,
    "referrals:rules": _RULES,
    "referrals:stage": _PRACTICE,
    "api-referral-detail": ("dan", "kieran", "mo"),
    "api-family-detail": _FAMILY,
    "api-person-detail": _FAMILY,
    "api-family-status-episode-list": _FAMILY,
    "api-family-status-episode-detail": _FAMILY,
    "api-family-contact-list": _FAMILY,
    "api-family-contact-detail": _FAMILY,
    "api-family-plan-list": _FAMILY,
    "api-family-plan-action-detail": _FAMILY,
    "api-meeting-detail": _MANAGER,
    "api-action-detail": _FAMILY,
    "api-action-done": _FAMILY,
    "api-report-detail": _OUTCOMES,
    # A token: its owner, an administrator (who may revoke anyone's), alice's teammate.
    "api-auth:token_detail": ("alice", "adam", "bob"),
    "api-auth:service_accounts": ("adam", "audrey", "dan"),
    "api-auth:service_account_rotate": ("adam", "audrey", "dan"),
    "api-referral-stage": _PRACTICE,
    "api-referral-engagement": _PRACTICE,
    "api-referral-close": _PRACTICE,
    "api-referral-review": _PRACTICE,
    "api-referral-attempt-list": ("dan", "kieran", "mo"),
    "api-referral-attempt-detail": ("dan", "kieran", "mo"),
    "api-referral-appointment-list": ("dan", "kieran", "mo"),
    "api-referral-appointment-detail": ("dan", "kieran", "mo"),
    "api-referral-reading-list": ("dan", "kieran", "mo"),
    "api-referral-cycle-list": ("dan", "kieran", "mo"),
    "supervision:action_done": _FAMILY,
    "supervision:addendum": _CLERK,
    "supervision:agenda": _CHAIR,
    "supervision:cancel": _CHAIR,
    "supervision:group": _MANAGER,
    "supervision:index": ("tina", "alice", "audrey"),
    "supervision:interval": _CHAIR,
    "supervision:meeting": _MANAGER,
    "supervision:members": _CHAIR,
    "supervision:minutes": _CLERK,
    "supervision:not_discussed": _CLERK,
    "supervision:schedule": _CHAIR,
    "supervision:setup": ("tina", "bella", "alice"),
    "supervision:sign_off": _CHAIR,
    "supervision:slots": _CHAIR,
    "supervision_feed:meeting_ics": ("alice", "dan", "charlie"),
    "outcomes:dashboard": _OUTCOMES,
    "outcomes:export_csv": _OUTCOMES,
    "outcomes:export_xlsx": _OUTCOMES,
    "outcomes:members": _OUTCOMES,
    "outcomes:print": _OUTCOMES,
    "outcomes:refresh": _OUTCOMES,
    "outcomes:request": _OUTCOMES,
    "outcomes:run": _OUTCOMES,
    "outcomes:run_status": _OUTCOMES,
    "outcomes:runs": _OUTCOMES,
}


def targets_for(world: World) -> dict[str, list[Target]]:
    return {name: make(world) for name, make in CATALOGUE.items()}
