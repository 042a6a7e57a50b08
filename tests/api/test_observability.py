"""Request ids and HTTP metrics: what an operator sees of each request."""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from api.app import create_app
from application.service import CareerFlow
from careerflow.settings import Settings
from careerflow.storage import eventsourcing_env
from careerflow.wiring import build_services
from tests.api.conftest import API, Api


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_plain_request_id_is_kept_and_any_other_replaced(bare_api: Api) -> None:
    kept = bare_api.client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.42"
    for hostile in ("a" * 65, "two words", "line\\nbreak", "<script>"):
        answer = bare_api.client.get("/healthz", headers={"X-Request-ID": hostile})
        made = answer.headers["X-Request-ID"]
        assert made != hostile
        assert len(made) == 32
        assert made.isalnum()
    assert bare_api.client.get("/healthz").headers["X-Request-ID"]


def test_requests_are_counted_by_route_template_and_status(bare_api: Api) -> None:
    route = f"{API}/cases/{{case_id}}"
    before = sample("careerflow_http_requests_total", method="GET", route=route, status="401")
    latency_before = sample(
        "careerflow_http_request_duration_seconds_count", method="GET", route=route
    )
    for n in range(3):
        assert bare_api.client.get(f"{API}/cases/{n}").status_code == 401
    assert (
        sample("careerflow_http_requests_total", method="GET", route=route, status="401")
        == before + 3
    )
    assert (
        sample("careerflow_http_request_duration_seconds_count", method="GET", route=route)
        == latency_before + 3
    )
    unmatched = sample(
        "careerflow_http_requests_total", method="GET", route="unmatched", status="404"
    )
    bare_api.client.get("/no/such/page/4711")
    assert (
        sample("careerflow_http_requests_total", method="GET", route="unmatched", status="404")
        == unmatched + 1
    )
    labels = {
        s.labels.get("route")
        for metric in REGISTRY.collect()
        if metric.name == "careerflow_http_requests"
        for s in metric.samples
    }
    assert not any("4711" in str(label) for label in labels), "a raw path became a label"


def test_the_api_stays_ready_without_temporal_and_says_degraded(
    pg_url: str, fresh_settings: Settings
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        nowhere = f"127.0.0.1:{probe.getsockname()[1]}"
    application = CareerFlow(env=eventsourcing_env(pg_url, fresh_settings))
    settings = fresh_settings.model_copy(update={"jwt_secret": "test-secret-" + "x" * 32})
    services = build_services(settings, application, pg_url, temporal_address=nowhere)
    try:
        with TestClient(create_app(services)) as client:
            answer = client.get("/readyz")
    finally:
        application.close()
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["temporal"] != "ok"
