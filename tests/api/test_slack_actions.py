"""Acting from Slack: the webhook message of a submitted plan carries *Approve*; the
button comes back signed to /slack/actions and approves the plan as the manager Slack
names by e-mail. A forged signature, a replayed timestamp, a stranger's Slack account
and the wrong party are refused (the refusals answered in the thread).

Slack itself is a stand-in on loopback (its ``users.info`` and the ``response_url``):
there is no Slack here; careerflow's side — signatures, the roster lookup, the command
path — is all real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from api.slack_actions import SlackApp
from eventlog.follower import read_after
from notifications.channels import DomainDirectory, WebhookChannel
from notifications.notifier import Notifier
from tests.api import conftest as c
from tests.api.conftest import Api
from tests.api.test_career_framework import plan

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
USERS = {"U_GRACE": "grace@example.com", "U_ADA": "ada@example.com", "U_EVE": "eve@evil.test"}


@dataclass
class FakeSlack:
    url: str = ""
    hook: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            reply: dict[str, Any] = {"ok": True}
            if self.path == "/api/users.info":
                user = parse_qs(body.decode())["user"][0]
                reply = {"ok": True, "user": {"id": user, "profile": {"email": USERS[user]}}}
            elif self.path == "/hook":
                fake.hook.append(json.loads(body))
            else:
                fake.answers.append(json.loads(body))
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield fake
    server.shutdown()


def click(api: Api, slack: FakeSlack, user: str, value: str, **tamper: Any) -> Any:
    """Post Slack's block_actions payload for a button, signed as Slack signs it."""
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "container": {"message_ts": "1767600000.000100"},
        "response_url": f"{slack.url}/respond",
        "actions": [{"action_id": "careerflow:case:plan/approve", "value": value}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    stamp = str(int(api.clock().timestamp()) - tamper.get("late", 0))
    signature = SignatureVerifier(tamper.get("secret", SECRET)).generate_signature(
        timestamp=stamp, body=body
    )
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return api.client.post("/slack/actions", content=body, headers=headers)


def test_a_signed_slack_button_approves_the_plan_and_nothing_else_gets_through(
    api: Api, slack: FakeSlack
) -> None:
    services = api.client.app.state.services  # type: ignore[attr-defined]
    services.slack = SlackApp(SECRET, "xoxb-test", f"{slack.url}/api/")
    case = api.hold_meeting()
    api.ok(api.post(f"{case}/plan", c.EMPLOYEE, plan([])))
    api.ok(api.post(f"{case}/plan/submit", c.EMPLOYEE))
    hook = WebhookChannel(f"{slack.url}/hook", public_url="https://careerflow.example")
    Notifier(api.application, [hook], DomainDirectory()).handle(
        read_after(api.application, 0, 10_000)
    )
    submitted = next(m for m in slack.hook if "submitted a development plan" in m["text"])
    buttons = submitted["blocks"][1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Approve", "Open"]
    assert buttons[1]["url"] == f"https://careerflow.example/cases/{api.case_id()}"
    approve = buttons[0]["value"]

    def approved() -> bool:
        return api.application.get_case(api.case_id()).approved_version is not None

    assert click(api, slack, "U_GRACE", approve, secret="not-the-secret-at-all").status_code == 401
    assert click(api, slack, "U_GRACE", approve, late=301).status_code == 401  # a replay
    assert slack.answers == []
    assert click(api, slack, "U_EVE", approve).status_code == 200
    assert "not on careerflow's roster" in slack.answers[-1]["text"]
    assert click(api, slack, "U_ADA", approve).status_code == 200  # the employee
    assert slack.answers[-1]["text"].startswith("Refused: ")
    assert slack.answers[-1]["thread_ts"] == "1767600000.000100"
    assert not approved()

    assert click(api, slack, "U_GRACE", approve).status_code == 200
    assert slack.answers[-1]["text"].startswith("Done: ")
    assert approved()
    history = api.ok(api.get(f"{case}/history", c.EMPLOYEE))["entries"]
    assert [e["actor"] for e in history if e["event"] == "PlanApproved"] == [c.MANAGER]
    assert click(api, slack, "U_GRACE", approve).status_code == 200  # the same click again
    assert slack.answers[-1]["text"].startswith("Done: ")  # its key: nothing twice
    history = api.ok(api.get(f"{case}/history", c.EMPLOYEE))["entries"]
    assert [e["event"] for e in history].count("PlanApproved") == 1


def test_without_a_signing_secret_there_is_no_slack_endpoint(api: Api) -> None:
    assert api.client.post("/slack/actions", content=b"payload=%7B%7D").status_code == 404
