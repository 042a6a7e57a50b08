"""The topics each follower subscribes to: the domain's consumer sets as stored topic names.

The log is filtered in the database by topic, so a follower reads only the events
it acts on. The sets themselves are the domain's (``domain.subscriptions``).
"""

from __future__ import annotations

from collections.abc import Iterable

from eventsourcing.utils import get_topic

from domain import subscriptions


def topics_of(event_classes: Iterable[type]) -> tuple[str, ...]:
    return tuple(sorted(get_topic(cls) for cls in event_classes))


RELAYED_TOPICS = topics_of(subscriptions.RELAYED_EVENTS)
NOTIFIED_TOPICS = topics_of(subscriptions.NOTIFIED_EVENTS)
