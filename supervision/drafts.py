"""The supervision forms that keep drafts (accounts.drafts): the minutes of one family at a
meeting, and a correction to signed-off minutes. A draft is kept only for whoever may write
the form on that record, as the form's page requires (views._item_for_minutes, addendum)."""

from accounts import drafts
from accounts.models import User

from . import selectors, services
from .models import AgendaItem, Discussion, Meeting

MINUTES = "minutes:item"  # the minutes of one family at a meeting, by agenda item
ADDENDUM = "addendum:discussion"  # a correction to signed-off minutes, by discussion


def _may_minute(user: User, item_id: int) -> bool:
    item = (
        AgendaItem.objects.select_related("meeting__group")
        .filter(pk=item_id, meeting__group__in=selectors.groups_for(user))
        .first()
    )
    return (
        item is not None
        and services.can_minute(user, item.meeting.group)
        and not item.meeting.is_signed_off
        and item.meeting.status != Meeting.Status.CANCELLED
    )


def _may_correct(user: User, discussion_id: int) -> bool:
    discussion = (
        Discussion.objects.select_related("meeting__group")
        .filter(pk=discussion_id, meeting__group__in=selectors.groups_for(user))
        .first()
    )
    return discussion is not None and services.can_minute(user, discussion.meeting.group)


def register() -> None:
    drafts.register(MINUTES, _may_minute)
    drafts.register(ADDENDUM, _may_correct)
