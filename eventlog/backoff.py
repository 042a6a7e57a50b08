"""How long a follower waits before starting again after failures in a row.

The relay, the notifier and the projector each restart their loop after an outage:
the first pause is short, each failure in a row doubles it up to a ceiling, and a
batch that went through makes the next outage start short again (without that, one
long outage left every later hiccup waiting 30 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    first: float = 0.5
    longest: float = 30.0
    _next: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._next = self.first

    def pause(self) -> float:
        """The pause to take now; the next one is twice as long, up to ``longest``."""
        current = self._next
        self._next = min(current * 2, self.longest)
        return current

    def reset(self) -> None:
        """Working again: the next failure starts with the first pause."""
        self._next = self.first
