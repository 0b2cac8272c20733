"""Group supervision in the partner API: meetings with their agendas and minutes (read), and
the actions agreed there (read, and mark done).

The same rules as the pages: meetings come from selectors.groups_for, actions from
selectors.actions_visible_to; a specialist sees the families on an agenda by reference only,
with no minutes, unless they work with the family's adults (families_seen_in_supervision),
as on the meeting page. Every read is audited; marking an action done goes through
services.action_complete with the version the client read (If-Match).
"""

from typing import Any

import django_filters
from django.db.models import Count, Model, Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.audit import audit_page_view_many
from accounts.permissions import signed_in_user
from dmt import parsing
from dmt.api import fields
from dmt.api.views import ApiViewSet
from families.selectors import name_families

from . import selectors, services
from .models import AgendaItem, Discussion, Meeting, SupervisionAction

# An id is ASCII digits (dmt.parsing): int() would read "/api/.../٣/" as 3.
ID_PATTERN = "[0-9]{1,19}"
TAGS = ["Group supervision"]


class IsoDateFilter(django_filters.DateFilter):
    """A date as YYYY-MM-DD, read through dmt.parsing."""

    field_class = parsing.DateField


class IdFilter(django_filters.Filter):
    """An id in ASCII digits, read through dmt.parsing."""

    field_class = parsing.IntegerField


class UserRefSerializer(serializers.Serializer):
    """A member of staff: their username and their name."""

    username = serializers.CharField()
    name = serializers.CharField(source="__str__")


class FamilyRefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    name = serializers.CharField(
        source="display_name", help_text="The family's display name, as the pages show it."
    )


# Actions ------------------------------------------------------------------------------------


class MeetingRefSerializer(serializers.Serializer):
    id = serializers.CharField(source="pk")
    starts_at = serializers.DateTimeField()


class ActionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="pk", read_only=True)
    owner = UserRefSerializer(read_only=True)
    family = FamilyRefSerializer(source="discussion.family", read_only=True)
    meeting = MeetingRefSerializer(source="discussion.meeting", read_only=True)
    overdue = serializers.BooleanField(
        source="is_overdue", read_only=True, help_text="Open and due before today."
    )

    class Meta:
        model = SupervisionAction
        fields = ["id", "description", "owner", "due_on", "done_on", "overdue", "family", "meeting"]


class ActionDoneSerializer(serializers.Serializer):
    done_on = fields.DateField(
        required=False,
        help_text="The day it was done: today unless given; never in the future. "
        + fields.DATE_HELP,
    )


class ActionFilter(django_filters.FilterSet):
    owner = django_filters.CharFilter(
        field_name="owner__username", help_text="Only the actions of this owner (a username)."
    )
    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("done", "Done"), ("overdue", "Overdue")],
        method="filter_status",
        help_text="open: not done yet; done: marked done; overdue: open and due before today.",
    )
    due_from = IsoDateFilter(
        field_name="due_on",
        lookup_expr="gte",
        help_text="Only actions due on or after this day (YYYY-MM-DD).",
    )
    due_to = IsoDateFilter(
        field_name="due_on",
        lookup_expr="lte",
        help_text="Only actions due on or before this day (YYYY-MM-DD).",
    )
    family = django_filters.CharFilter(
        field_name="discussion__family__reference",
        help_text="Only the actions agreed for this family (its reference).",
    )

    class Meta:
        model = SupervisionAction
        fields: list[str] = []

    def filter_status(
        self, queryset: QuerySet[SupervisionAction], name: str, value: str
    ) -> QuerySet[SupervisionAction]:
        if value == "done":
            return queryset.filter(done_on__isnull=False)
        if value == "overdue":
            return queryset.filter(done_on__isnull=True, due_on__lt=timezone.localdate())
        return queryset.filter(done_on__isnull=True)


ACTION_EXAMPLE = {
    "id": "42",
    "description": "Book a joint visit with the substance-use worker",
    "owner": {"username": "alice", "name": "Alice Walker"},
    "due_on": "2026-03-20",
    "done_on": None,
    "overdue": False,
    "family": {"reference": "FAM-0012", "name": "Wellstead — Darius, Riley"},
    "meeting": {"id": "7", "starts_at": "2026-03-10T10:00:00Z"},
}

ACTION_READERS = (
    "The action's owner; and whoever may read the minutes it was agreed in: the members "
    "and chair of the group, the team's business support, and service managers over the "
    "team (a specialist only for the families whose adults they work with)."
)


@extend_schema_view(
    list=extend_schema(
        summary="The supervision actions you may see",
        description="Actions agreed at group supervision, oldest first (by when they were "
        f"recorded), done or open. Who may call it: every member of staff. {ACTION_READERS} "
        "Others' actions are simply not listed.",
        tags=TAGS,
        examples=[OpenApiExample("A page of actions", value=ACTION_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="One supervision action",
        description=f"Who may call it: {ACTION_READERS} Anyone else gets 404.",
        tags=TAGS,
        examples=[OpenApiExample("An open action", value=ACTION_EXAMPLE)],
    ),
)
class ActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = ActionSerializer
    filterset_class = ActionFilter
    lookup_field = "pk"
    lookup_value_regex = ID_PATTERN
    ordering = "pk"
    if_match_actions = ("done",)

    def get_queryset(self) -> QuerySet[SupervisionAction]:
        if getattr(self, "swagger_fake_view", False):
            return SupervisionAction.objects.none()
        return selectors.actions_visible_to(signed_in_user(self.request))

    def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer:
        """Name the families of the actions shown at once (one query)."""
        if args and not getattr(self, "swagger_fake_view", False):
            shown = list(args[0]) if kwargs.get("many") else [args[0]]
            name_families(action.discussion.family for action in shown)
        return super().get_serializer(*args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        assert page is not None  # every list is paginated
        audit_page_view_many(request, _action_records(page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        supervision_action = self.get_object()
        audit_page_view_many(request, _action_records([supervision_action]))
        return self.detail_response(supervision_action)

    @extend_schema(
        summary="Mark a supervision action done",
        description="Records that the action is done (today, or on `done_on`), and returns "
        "it as it now is, with its new ETag. Send the ETag you read as If-Match. Who may "
        "call it: the action's owner and the group's chair; others who may read the action "
        "get 403, the rest 404. An action already done is refused (400).",
        tags=TAGS,
        request=ActionDoneSerializer,
        responses={200: ActionSerializer},
        examples=[
            OpenApiExample("Done today", value={}, request_only=True),
            OpenApiExample("Done on a day", value={"done_on": "2026-03-18"}, request_only=True),
            OpenApiExample(
                "The action, done",
                value={**ACTION_EXAMPLE, "done_on": "2026-03-18"},
                response_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str | None = None) -> Response:
        user = signed_in_user(request)
        supervision_action = self.get_object()
        group = supervision_action.discussion.meeting.group
        if supervision_action.owner_id != user.pk and not services.is_chair(user, group):
            raise PermissionDenied("Only the action's owner or the group's chair can mark it done.")
        self.check_if_match(request, supervision_action)
        body = ActionDoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.action_complete(
            action=supervision_action,
            done_on=body.validated_data.get("done_on") or timezone.localdate(),
            expected_version=supervision_action.version,
            acting_user=user,
        )
        return self.detail_response(self.get_queryset().get(pk=supervision_action.pk))


def _action_records(actions: list[SupervisionAction]) -> list[Model]:
    """What a response about these actions shows: each action, and each family, once."""
    families = {action.discussion.family_id: action.discussion.family for action in actions}
    return [*actions, *families.values()]


# Meetings -----------------------------------------------------------------------------------


class GroupRefSerializer(serializers.Serializer):
    id = serializers.CharField(source="pk")
    team = serializers.CharField(source="team.name")


class MeetingSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="pk", read_only=True)
    group = GroupRefSerializer(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    families = serializers.IntegerField(
        read_only=True, help_text="How many families are on the agenda."
    )
    signed_off_by = UserRefSerializer(read_only=True, allow_null=True)
    cancelled_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "group",
            "starts_at",
            "ends_at",
            "length_minutes",
            "location",
            "status",
            "families",
            "cancelled_at",
            "cancelled_by",
            "cancellation_reason",
            "signed_off_at",
            "signed_off_by",
        ]


class StageSerializer(serializers.Serializer):
    person = serializers.CharField(source="person.full_name")
    stage = serializers.CharField()


class AddendumSerializer(serializers.Serializer):
    written_at = serializers.DateTimeField()
    written_by = UserRefSerializer()
    text = serializers.CharField()


class DiscussionActionSerializer(serializers.Serializer):
    id = serializers.CharField(source="pk")
    description = serializers.CharField()
    owner = UserRefSerializer()
    due_on = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)


class MinutesSerializer(serializers.ModelSerializer):
    present = UserRefSerializer(many=True, read_only=True)
    stages = StageSerializer(source="stage_entries", many=True, read_only=True)
    actions = DiscussionActionSerializer(many=True, read_only=True)
    addenda = AddendumSerializer(many=True, read_only=True)
    recorded_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Discussion
        fields = [
            "discussed_on",
            "child_safety_rag",
            "present",
            "stages",
            "analysis",
            "decisions",
            "actions",
            "recorded_by",
            "addenda",
        ]


class AgendaFamilySerializer(serializers.Serializer):
    reference = serializers.CharField()
    name = serializers.CharField(
        allow_null=True,
        help_text="The family's display name; null where the meeting page shows you the "
        "family by reference only (a specialist who does not work with its adults).",
    )
    social_worker = UserRefSerializer(allow_null=True)


class AgendaItemSerializer(serializers.Serializer):
    """One family on the agenda. Its details (why, whether discussed, the minutes) only where
    the meeting page shows them to you: `visible` says which."""

    position = serializers.IntegerField()
    family = serializers.SerializerMethodField()
    visible = serializers.SerializerMethodField(
        help_text="Whether you may see this family's details here; if not, only its "
        "reference and place on the agenda are given."
    )
    reason = serializers.SerializerMethodField(help_text="Why it is on the agenda.")
    not_discussed = serializers.SerializerMethodField(
        help_text="Why a held meeting did not discuss it (no_show, out_of_time, other), or null."
    )
    minutes = serializers.SerializerMethodField()

    def _visible(self, item: AgendaItem) -> bool:
        seen: set[int] | None = self.context["seen"]
        return seen is None or item.family_id in seen

    def get_visible(self, item: AgendaItem) -> bool:
        return self._visible(item)

    @extend_schema_field(AgendaFamilySerializer)
    def get_family(self, item: AgendaItem) -> dict[str, Any]:
        family = item.family
        if not self._visible(item):
            return {"reference": family.reference, "name": None, "social_worker": None}
        worker = family.social_worker
        return {
            "reference": family.reference,
            "name": family.display_name,
            "social_worker": UserRefSerializer(worker).data if worker else None,
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reason(self, item: AgendaItem) -> str | None:
        return item.reason if self._visible(item) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_not_discussed(self, item: AgendaItem) -> str | None:
        return (item.not_discussed or None) if self._visible(item) else None

    @extend_schema_field(MinutesSerializer(allow_null=True))
    def get_minutes(self, item: AgendaItem) -> dict[str, Any] | None:
        discussion = self.context["discussions"].get(item.family_id)
        if discussion is None or not self._visible(item):
            return None
        return dict(MinutesSerializer(discussion).data)


class MeetingDetailSerializer(MeetingSerializer):
    agenda = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "agenda"]

    @extend_schema_field(AgendaItemSerializer(many=True))
    def get_agenda(self, meeting: Meeting) -> list[dict[str, Any]]:
        items = self.context["agenda"]
        return list(AgendaItemSerializer(items, many=True, context=self.context).data)


class MeetingFilter(django_filters.FilterSet):
    group = IdFilter(
        field_name="group_id",
        help_text="Only the meetings of this group (its id).",
    )
    status = django_filters.ChoiceFilter(
        choices=Meeting.Status.choices, help_text="planned, held or cancelled."
    )
    signed_off = django_filters.ChoiceFilter(
        choices=[("true", "Signed off"), ("false", "Not signed off")],
        method="filter_signed_off",
        help_text="true: only meetings whose minutes are signed off; false: only the others.",
    )

    class Meta:
        model = Meeting
        fields: list[str] = []

    def filter_signed_off(
        self, queryset: QuerySet[Meeting], name: str, value: str
    ) -> QuerySet[Meeting]:
        return queryset.filter(signed_off_at__isnull=value != "true")


# "from" and "to" are Python keywords: added by name.
MeetingFilter.base_filters["from"] = IsoDateFilter(
    field_name="starts_at",
    lookup_expr="date__gte",
    help_text="Only meetings on or after this day (YYYY-MM-DD, local time).",
)
MeetingFilter.base_filters["to"] = IsoDateFilter(
    field_name="starts_at",
    lookup_expr="date__lte",
    help_text="Only meetings on or before this day (YYYY-MM-DD, local time).",
)

MEETING_EXAMPLE = {
    "id": "7",
    "group": {"id": "2", "team": "SASS West 1"},
    "starts_at": "2026-03-10T10:00:00Z",
    "ends_at": "2026-03-10T12:00:00Z",
    "length_minutes": 120,
    "location": "Room 2, County Hall",
    "status": "held",
    "families": 1,
    "cancelled_at": None,
    "cancelled_by": None,
    "cancellation_reason": "",
    "signed_off_at": "2026-03-11T09:12:00Z",
    "signed_off_by": {"username": "tess", "name": "Tess Manager"},
}
MEETING_READERS = (
    "the group's chair and members, the team's business support, and service managers over the team"
)


@extend_schema_view(
    list=extend_schema(
        summary="The group supervision meetings you may see",
        description="Meetings of the groups you belong to, oldest scheduled first (by when "
        f"they were scheduled). Who may call it: every member of staff; the meetings listed "
        f"are those of groups whose meetings you may see: {MEETING_READERS}.",
        tags=TAGS,
        examples=[OpenApiExample("A page of meetings", value=MEETING_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="One meeting, with its agenda and minutes",
        description="The meeting, each family on its agenda in the chair's order and, once "
        "minuted, the minutes. Who may call it: "
        f"{MEETING_READERS}; anyone else gets 404. A specialist sees the families whose "
        "adults they do not work with by reference only, without their minutes, as on the "
        "meeting page.",
        tags=TAGS,
        examples=[
            OpenApiExample(
                "A held meeting",
                value={
                    **MEETING_EXAMPLE,
                    "agenda": [
                        {
                            "position": 1,
                            "family": {
                                "reference": "FAM-0012",
                                "name": "Wellstead — Darius, Riley",
                                "social_worker": {"username": "alice", "name": "Alice Walker"},
                            },
                            "visible": True,
                            "reason": "Red: not discussed for 9 days",
                            "not_discussed": None,
                            "minutes": {
                                "discussed_on": "2026-03-10",
                                "child_safety_rag": "amber",
                                "present": [{"username": "bea", "name": "Bea Support"}],
                                "stages": [{"person": "Darius Wellstead", "stage": "action"}],
                                "analysis": "",
                                "decisions": "Carry on with the plan.",
                                "actions": [],
                                "recorded_by": {"username": "bea", "name": "Bea Support"},
                                "addenda": [],
                            },
                        }
                    ],
                },
            )
        ],
    ),
)
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    filterset_class = MeetingFilter
    lookup_field = "pk"
    lookup_value_regex = ID_PATTERN
    ordering = "pk"

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    def get_queryset(self) -> QuerySet[Meeting]:
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        groups = selectors.groups_for(signed_in_user(self.request))
        return (
            Meeting.objects.filter(group__in=groups)
            .select_related("group__team", "signed_off_by", "cancelled_by")
            .annotate(families=Count("agenda"))
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        assert page is not None  # every list is paginated
        audit_page_view_many(request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self.get_object()
        self.prepare(meeting)
        # The agenda names every family on it: the read is audited against each.
        audit_page_view_many(request, [meeting, *(item.family for item in self._agenda)])
        return self.detail_response(meeting)

    def prepare(self, meeting: Meeting) -> None:
        """The agenda and minutes of `meeting`, each family named where the user may see it
        (one query for the names), as the meeting page reads them."""
        user = signed_in_user(self.request)
        self._seen = selectors.families_seen_in_supervision(user, meeting)
        self._agenda = list(meeting.agenda.select_related("family__social_worker"))
        name_families(
            item.family
            for item in self._agenda
            if self._seen is None or item.family_id in self._seen
        )
        self._discussions = {
            discussion.family_id: discussion
            for discussion in meeting.discussions.select_related("recorded_by").prefetch_related(
                "present",
                Prefetch(
                    "actions",
                    queryset=SupervisionAction.objects.select_related("owner").order_by(
                        "due_on", "pk"
                    ),
                ),
                "addenda__written_by",
                "stage_entries__person",
            )
        }

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if hasattr(self, "_agenda"):
            context.update(agenda=self._agenda, seen=self._seen, discussions=self._discussions)
        return context

    def representation(self, instance: Model) -> Any:
        assert isinstance(instance, Meeting)
        if not hasattr(self, "_agenda"):
            self.prepare(instance)
        return super().representation(instance)
