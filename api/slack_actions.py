"""Slack's interactivity endpoint: a button of a careerflow message, taken as its step.

``POST /slack/actions`` (Slack sends ``block_actions`` as the form field ``payload``).
The request's signature is checked by slack-sdk's verifier against the app's signing
secret, on careerflow's clock: a wrong signature, or a timestamp more than five minutes
off (a replay), is 401 and nothing is read. The Slack user is found on the roster by the
e-mail Slack has for them (``users.info``); the button's step (only those in
``ONE_CLICK``) then runs through the same command path, access check and idempotency
as the API, keyed by who clicked which button of which message. The outcome is answered
in the message's thread through Slack's ``response_url``: done, or why it was refused.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import Clock, SignatureVerifier

from api.auth import Caller
from api.command_runner import CommandRunner
from api.deps import covering, services_of
from application.service import CareerFlow
from domain import errors, step_catalog
from domain.commands import CaseCommand, ItemCommand
from domain.roster import Roster
from notifications.chat_actions import parse_value

router = APIRouter(include_in_schema=False)
log = logging.getLogger("careerflow.slack")

EMAILS_KEPT = 10_000
"""Slack users whose e-mail this process remembers (an hour each)."""
EMAIL_TTL = 3600.0


class _At(Clock):
    """slack-sdk's verifier reads the time from a clock: careerflow's own."""

    def __init__(self, at: datetime) -> None:
        self.at = at.timestamp()

    def now(self) -> float:
        return self.at


class SlackApp:
    """The Slack app's secret and Web API client, and what it has learnt of its users."""

    def __init__(self, signing_secret: str, bot_token: str | None, api_url: str) -> None:
        self.signing_secret = signing_secret
        self.client = None if bot_token is None else WebClient(token=bot_token, base_url=api_url)
        self._emails: dict[str, tuple[str | None, float]] = {}
        self._by_email: tuple[int, dict[str, str]] = (-1, {})

    def verified(self, body: bytes, headers: dict[str, str], now: datetime) -> bool:
        verifier = SignatureVerifier(self.signing_secret, clock=_At(now))
        return verifier.is_valid_request(body, headers)

    def person_of(self, slack_user: str, roster: Roster) -> str | None:
        """The roster person with the e-mail Slack has for ``slack_user`` (None: nobody)."""
        email = self._email_of(slack_user)
        if email is None:
            return None
        version, index = self._by_email
        if version != roster.version:
            index = {p.email: e for e, p in roster.people.items()}
            self._by_email = (roster.version, index)
        return index.get(email.lower())

    def _email_of(self, slack_user: str) -> str | None:
        known = self._emails.get(slack_user)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        if self.client is None:
            return None
        try:
            found = self.client.users_info(user=slack_user)
        except SlackApiError as exc:
            log.warning("users.info for %s failed: %s", slack_user, exc.response.get("error"))
            return None
        email = (found.get("user") or {}).get("profile", {}).get("email")
        if len(self._emails) >= EMAILS_KEPT:
            self._emails.clear()
        self._emails[slack_user] = (email, time.monotonic() + EMAIL_TTL)
        return email if isinstance(email, str) else None

    def answer(self, response_url: str, text: str, thread: str | None) -> None:
        """Say ``text`` in the message's thread (never replacing the message)."""
        if urlsplit(response_url).scheme not in ("https", "http"):
            return
        body: dict[str, Any] = {"text": text, "replace_original": False}
        if thread:
            body["thread_ts"] = thread
        try:
            httpx.post(response_url, json=body, timeout=10).raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("answering a Slack action failed: %s", exc)


def _command(target: str, step: str) -> CaseCommand | ItemCommand:
    steps = step_catalog.case_steps() if target == "case" else step_catalog.item_steps()
    command = next(c for c in steps if c.step.path == step)
    return command.model_validate({})


def take(
    slack: SlackApp, app: CareerFlow, roster: Roster, payload: dict[str, Any], now: datetime
) -> str:
    """Run the clicked step as the clicking person; what to tell them."""
    action = payload["actions"][0]
    target, target_id, step = parse_value(action["value"])
    person = slack.person_of(str(payload["user"]["id"]), roster)
    if person is None:
        return "Refused: your Slack account's e-mail is not on careerflow's roster."
    message = str((payload.get("container") or {}).get("message_ts", ""))
    key = f"slack-{person}-{message}-{action['action_id']}"[:200].replace(" ", "-")
    runner = CommandRunner(covering(Caller(person), roster, now), app, roster, now, key)
    command = _command(target, step)
    try:
        runner.execute(target_id, command)
    except errors.DomainError as refused:
        return f"Refused: {refused}"
    return f"Done: {command.step.summary or command.action}."


@router.post("/slack/actions", include_in_schema=False)
async def slack_action(request: Request) -> Response:
    services = services_of(request)
    slack: SlackApp | None = services.slack
    if slack is None:
        raise errors.NotFound("page", request.url.path)
    body = await request.body()
    now = services.clock()
    if not slack.verified(body, dict(request.headers), now):
        return Response("invalid signature", status_code=401, media_type="text/plain")
    try:
        payload = json.loads(parse_qs(body.decode())["payload"][0])
        actions = payload["actions"] if payload.get("type") == "block_actions" else []
        response_url = str(payload["response_url"])
    except (KeyError, IndexError, ValueError, TypeError):
        return Response("not a Slack action", status_code=400, media_type="text/plain")
    if not actions or actions[0].get("action_id") == "careerflow:open":
        return Response(status_code=200)
    roster = services.rosters.fresh()
    if roster is None:
        roster = await run_in_threadpool(services.rosters.refresh)
    try:
        text = await run_in_threadpool(take, slack, services.application, roster, payload, now)
    except (KeyError, ValueError, TypeError) as exc:
        text = f"Refused: not a careerflow step ({exc})"
    thread = (payload.get("container") or {}).get("message_ts")
    await run_in_threadpool(slack.answer, response_url, text, thread)
    return Response(status_code=200)
