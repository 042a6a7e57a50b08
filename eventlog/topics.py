"""Event classes as the stored topic names a follower asks the log for.

The log is filtered in the database by topic, so a follower reads only the events
it acts on; each follower names those from its own handler table.
"""

from __future__ import annotations

from collections.abc import Iterable

from eventsourcing.utils import get_topic


def topics_of(event_classes: Iterable[type]) -> tuple[str, ...]:
    return tuple(sorted(get_topic(cls) for cls in event_classes))
