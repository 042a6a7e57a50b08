"""The application with its commands counted for Prometheus.

The domain stays free of metrics: the composition root builds this subclass, which
counts every command by kind (the command class, or the cycle/roster operation)
and outcome — ``changed`` (events saved), ``unchanged`` (a repeat or a no-op),
``refused`` (a domain error: the caller's mistake or a conflict) and ``failed``
(anything else: an outage).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from prometheus_client import Counter

from application.service import CareerFlow
from domain import errors

COMMANDS = Counter("careerflow_commands_total", "Commands by kind and outcome", ["kind", "outcome"])
OPERATIONS = ("create_cycle", "import_roster", "amend_policy", "open_cycle", "close_cycle")

F = TypeVar("F", bound=Callable[..., Any])


def _outcome(result: Any) -> str:
    changed = getattr(result, "changed", None)
    return "unchanged" if changed is False else "changed"


def _counted(kind: Callable[..., str], method: F) -> F:
    @functools.wraps(method)
    def counted(*args: Any, **kwargs: Any) -> Any:
        name = kind(*args, **kwargs)
        try:
            result = method(*args, **kwargs)
        except errors.DomainError:
            COMMANDS.labels(name, "refused").inc()
            raise
        except Exception:
            COMMANDS.labels(name, "failed").inc()
            raise
        COMMANDS.labels(name, _outcome(result)).inc()
        return result

    return cast(F, counted)


class MeteredCareerFlow(CareerFlow):
    """``CareerFlow`` whose commands and operations are counted (same name, same store)."""

    name = CareerFlow.name  # eventsourcing names an application after its class otherwise

    execute = _counted(
        lambda self, target, command, **_: type(command).__name__, CareerFlow.execute
    )


for _operation in OPERATIONS:
    setattr(
        MeteredCareerFlow,
        _operation,
        _counted(lambda *_, _name=_operation, **__: _name, getattr(CareerFlow, _operation)),
    )
