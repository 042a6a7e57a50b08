"""Buttons in chat: the next step a message asks for, where it needs no text.

A message about a meeting request offers *Accept*, one about a submitted plan *Approve*,
one about an action item its owner must finish *Mark done*; every message offers *Open*
(the case's page). ``slack_message`` writes Slack's Block Kit for it; the interactivity
endpoint (``api/slack_actions.py``) takes a button back through the same command path.
Only the steps in ``ONE_CLICK`` can come back from chat.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

Target = Literal["case", "item"]

ONE_CLICK: frozenset[tuple[Target, str]] = frozenset(
    {("case", "meeting/accept"), ("case", "plan/approve"), ("item", "complete")}
)
"""(target, step path) of the steps a chat button may take: none asks for text."""

MAX_TEXT = 2900
"""Slack's section text is at most 3,000 characters."""


@dataclass(frozen=True)
class ChatAction:
    label: str
    target: Target
    target_id: UUID
    step: str

    @property
    def value(self) -> str:
        return json.dumps({"target": self.target, "id": str(self.target_id), "step": self.step})


def parse_value(value: str) -> tuple[Target, UUID, str]:
    """A button's value back (refused: anything but a one-click step)."""
    data = json.loads(value)
    target, step = data["target"], data["step"]
    if (target, step) not in ONE_CLICK:
        raise ValueError(f"{target}/{step} is not a step a chat button takes")
    return target, UUID(data["id"]), step


def slack_message(
    subject: str, body: str, *, actions: tuple[ChatAction, ...], page: str | None,
    public_url: str | None,
) -> dict[str, Any]:  # fmt: skip
    """The message as Slack blocks (with ``text`` for notifications and old clients)."""
    text = f"*{subject}*\n{body}"[:MAX_TEXT]
    buttons: list[dict[str, Any]] = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": action.label},
            "action_id": f"careerflow:{action.target}:{action.step}",
            "value": action.value,
            "style": "primary",
        }
        for action in actions
    ]
    if page is not None and public_url:
        buttons.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open"},
                "action_id": "careerflow:open",
                "url": public_url.rstrip("/") + page,
            }
        )
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return {"text": text, "blocks": blocks}
