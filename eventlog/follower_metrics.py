"""How far each follower is behind the log, for Prometheus.

Recorded by ``LogFollower`` as it hands batches to its consumer: a consumer asks for
the next batch only once it has handled the last, so what has been handed out is,
within one batch, what has been handled. ``multiprocess_mode`` matters only in the
API's multi-worker mode, where no follower runs.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

LAG_EVENTS = Gauge(
    "careerflow_follower_lag_events",
    "Events in the log after the follower's position (0 when it is caught up)",
    ["follower"],
    multiprocess_mode="livemax",
)
LAG_SECONDS = Gauge(
    "careerflow_follower_lag_seconds",
    "Age of the oldest event in the batch the follower took last (0 when caught up)",
    ["follower"],
    multiprocess_mode="livemax",
)
POSITION = Gauge(
    "careerflow_follower_position",
    "The last log position handed to the follower's consumer",
    ["follower"],
    multiprocess_mode="livemax",
)
HANDLED = Counter(
    "careerflow_follower_events_total", "Events handed to the follower's consumer", ["follower"]
)
ACTIVE = Gauge(
    "careerflow_follower_active",
    "1 while this replica holds the follower's lock and works, 0 as a standby",
    ["follower"],
    multiprocess_mode="livemax",
)
