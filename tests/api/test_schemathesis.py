"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis).

Every operation is called with generated input, as an HR admin on a store with the
demo company and an open cycle. Each response must not be a 5xx, must use a
documented status code and content type, and must conform to the documented schema.
In the negative mode (input that breaks the schema on purpose) every answer must be a
problem+json 4xx.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import HR_ADMIN, Api, api_on_own_schema

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_api(pg_url: str) -> Iterator[Api]:
    from careerflow.demo_org import seed_demo_org

    with api_on_own_schema(pg_url, "cf_fuzz") as api:
        assert seed_demo_org(api.application, api.clock()) is not None
        yield api


@pytest.fixture(scope="module")
def openapi(fuzzed_api: Api) -> Any:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_api.client.app)
    schema.config.generation.update(allow_x00=True)  # NUL in strings: refused, never a 500
    return schema


@pytest.fixture(scope="module")
def openapi_negative(fuzzed_api: Api) -> Any:
    """Data that breaks the schema on purpose: wrong types, out of range, missing fields."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_api.client.app)
    schema.config.generation.update(modes=[GenerationMode.NEGATIVE], allow_x00=True)
    return schema


schema = schemathesis.pytest.from_fixture("openapi")
negative = schemathesis.pytest.from_fixture("openapi_negative").exclude(
    method="GET", path=["/healthz", "/readyz", "/api/v1/me", "/api/v1/cycles", "/api/v1/roster"]
)
"""Only operations that take some input (nothing else can be given wrong input)."""


FUZZ = settings(
    max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@schema.parametrize()
@FUZZ
def test_every_operation_answers_within_its_contract(case: Any, fuzzed_api: Api) -> None:
    case.call_and_validate(headers=fuzzed_api.as_(HR_ADMIN), checks=CHECKS)


@negative.parametrize()
@FUZZ
def test_every_malformed_input_is_a_4xx_never_a_5xx(case: Any, fuzzed_api: Api) -> None:
    response = case.call(headers=fuzzed_api.as_(HR_ADMIN))
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    if response.status_code >= 400:
        (content_type,) = response.headers["content-type"]
        assert content_type.startswith("application/problem+json"), (case.path, content_type)
