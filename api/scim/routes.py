"""``/scim/v2``: the identity provider provisions people (RFC 7644).

Authenticated by a provisioning token of its own (``CAREERFLOW_SCIM_TOKEN``, compared
in constant time), never a person's token; without one configured every request is
401. Every change goes through the roster's rules (``application/provisioning.py``);
a refusal is a SCIM error naming the attribute and the reason, and writes nothing.
"""

from __future__ import annotations

import hmac
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    InvalidFilterException,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    Meta,
    MutabilityException,
    NotFoundException,
    NotImplementedException,
    PatchOp,
    ResourceType,
    Schema,
    SCIMException,
    ScimFilter,
    SearchRequest,
    UnauthorizedException,
    UniquenessException,
)

from api.deps import App, Now, ServicesDep
from api.scim.resources import MAX_RESULTS, PROVIDER, FullUser, person_of, user_of
from domain import errors
from domain.roster import Person

router = APIRouter(prefix="/scim/v2", include_in_schema=False)
MEDIA = "application/scim+json"


def scim_response(body: dict[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=MEDIA, headers=headers)


def scim_error(exc: SCIMException) -> JSONResponse:
    error = exc.to_error()
    return scim_response(error.model_dump(scim_ctx=Context.DEFAULT), error.status or 400)


async def _provisioner(request: Request, services: ServicesDep) -> None:
    expected = services.scim_token
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(token.encode(), expected.encode())
    ):
        raise UnauthorizedException(detail="a provisioning bearer token is required")


Provisioner = Annotated[None, Depends(_provisioner)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/scim/v2"


# --- discovery ------------------------------------------------------------------------------


@router.get("/ServiceProviderConfig")
def service_provider_config(request: Request, _: Provisioner) -> JSONResponse:
    config = PROVIDER.config
    assert config is not None
    shown = config.model_copy(update={"meta": _meta("ServiceProviderConfig", request)})
    return scim_response(shown.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _meta(kind: str, request: Request, name: str = "") -> Meta:
    """Where a discovery resource lives (``/ResourceTypes/User``, ``/Schemas/urn:…``)."""
    endpoint = {"ResourceType": "ResourceTypes", "Schema": "Schemas"}.get(kind, kind)
    location = f"{_base(request)}/{endpoint}" + (f"/{name}" if name else "")
    return Meta(resource_type=kind, location=location)


def _resource_types(request: Request) -> list[ResourceType]:
    shown = []
    for kind in PROVIDER.resource_types:
        extensions = [
            e.model_copy(update={"required": "enterprise" in str(e.schema_)})
            for e in kind.schema_extensions or []
        ]
        meta = _meta("ResourceType", request, kind.id or "")
        shown.append(kind.model_copy(update={"schema_extensions": extensions, "meta": meta}))
    return shown


def _schemas(request: Request) -> list[Schema]:
    return [
        schema.model_copy(update={"meta": _meta("Schema", request, schema.id or "")})
        for schema in PROVIDER.schemas
    ]


def _listed(kind: Any, resources: list[Any]) -> dict[str, Any]:
    count = len(resources)
    listing = ListResponse[kind](
        total_results=count, start_index=1, items_per_page=count, resources=resources
    )
    dumped: dict[str, Any] = listing.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return dumped


@router.get("/ResourceTypes")
def resource_types(request: Request, _: Provisioner) -> JSONResponse:
    return scim_response(_listed(ResourceType, _resource_types(request)))


def _one(found: list[Any], name: str, what: str) -> JSONResponse:
    for item in found:
        if item.id == name:
            return scim_response(item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"no {what} {name!r}")


@router.get("/ResourceTypes/{name}")
def resource_type(name: str, request: Request, _: Provisioner) -> JSONResponse:
    return _one(_resource_types(request), name, "resource type")


@router.get("/Schemas")
def schemas(request: Request, _: Provisioner) -> JSONResponse:
    return scim_response(_listed(Schema, _schemas(request)))


@router.get("/Schemas/{name}")
def schema(name: str, request: Request, _: Provisioner) -> JSONResponse:
    return _one(_schemas(request), name, "schema")


# --- users ----------------------------------------------------------------------------------


def _dump(user: Any, context: Context, request: Request) -> dict[str, Any]:
    asked: SearchRequest[Any] = SearchRequest(
        attributes=_split(request.query_params.get("attributes")),
        excluded_attributes=_split(request.query_params.get("excludedAttributes")),
    )
    dumped: dict[str, Any] = user.model_dump(scim_ctx=context, response_parameters=asked)
    return dumped


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _user(application: Any, employee_id: str, request: Request) -> Any:
    roster = application.get_roster()
    person = roster.anyone(employee_id)
    if person is None:
        raise NotFoundException(detail=f"no User {employee_id!r}")
    return user_of(person, _base(request))


def _search(
    application: Any,
    request: Request,
    filter: str | None,
    start_index: int,
    count: int,
    attributes: list[str] | None = None,
    excluded: list[str] | None = None,
) -> dict[str, Any]:
    """One page of Users matching ``filter`` (``userName eq`` and ``id eq`` find one
    person without building everyone), as a ListResponse."""
    start, count = max(start_index, 1), min(max(count, 0), MAX_RESULTS)
    people = sorted(application.get_roster().everyone(), key=lambda p: p.employee_id)
    base = _base(request)
    if filter:
        try:
            matcher = ScimFilter[FullUser](filter)
        except (SCIMException, ValueError) as exc:
            raise InvalidFilterException(detail=f"filter: {exc}") from None
        wanted = _equality(filter)
        if wanted is not None:
            people = [p for p in people if p.employee_id == wanted]
        users = [u for u in (user_of(p, base) for p in people) if matcher.match(u)]
        total, page = len(users), users[start - 1 : start - 1 + count]
    else:
        total = len(people)
        page = [user_of(p, base) for p in people[start - 1 : start - 1 + count]]
    asked: SearchRequest[Any] = SearchRequest(attributes=attributes, excluded_attributes=excluded)
    shown = [
        u.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=asked) for u in page
    ]
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(shown),
        "Resources": shown,
    }


@router.get("/Users")
def list_users(
    request: Request,
    application: App,
    _: Provisioner,
    filter: Annotated[str | None, Query(max_length=1000)] = None,
    start_index: Annotated[int, Query(alias="startIndex")] = 1,
    count: Annotated[int, Query()] = 100,
    attributes: Annotated[str | None, Query(max_length=1000)] = None,
    excluded: Annotated[str | None, Query(alias="excludedAttributes", max_length=1000)] = None,
) -> JSONResponse:
    found = _search(
        application, request, filter, start_index, count, _split(attributes), _split(excluded)
    )
    return scim_response(found)


@router.post("/Users/.search")
async def search_users(request: Request, application: App, _: Provisioner) -> JSONResponse:
    asked = _validated(SearchRequest[FullUser], await _body(request), Context.SEARCH_REQUEST)
    found = _search(
        application,
        request,
        None if asked.filter is None else str(asked.filter),
        asked.start_index or 1,
        MAX_RESULTS if asked.count is None else asked.count,
        [str(a) for a in asked.attributes] if asked.attributes else None,
        [str(a) for a in asked.excluded_attributes] if asked.excluded_attributes else None,
    )
    return scim_response(found)


@router.post("/.search")
def search_everything(_: Provisioner) -> JSONResponse:
    """Searching several resource types at once is not offered (careerflow has one)."""
    raise NotImplementedException(detail="search /Users/.search instead")


def _equality(text: str) -> str | None:
    """The value of ``userName eq "x"`` or ``id eq "x"`` (one person: no scan of everyone)."""
    parts = text.strip().split(None, 2)
    if len(parts) == 3 and parts[0] in ("userName", "id") and parts[1].lower() == "eq":
        try:
            value = json.loads(parts[2])
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, str) else None
    return None


@router.get("/Users/{employee_id}")
def get_user(employee_id: str, request: Request, application: App, _: Provisioner) -> JSONResponse:
    user = _user(application, employee_id, request)
    return scim_response(_dump(user, Context.RESOURCE_QUERY_RESPONSE, request))


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise InvalidSyntaxException(detail="the body is not JSON") from None
    if not isinstance(body, dict):
        raise InvalidSyntaxException(detail="the body is not a JSON object")
    return body


def _validated(model: Any, body: dict[str, Any], context: Context) -> Any:
    try:
        return model.model_validate(body, scim_ctx=context)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidValueException(detail=f"{where}: {first['msg']}") from None


async def _roster_change(change: Any) -> Any:
    """Run a roster change off the event loop; the roster's refusal is a SCIM 400 naming
    the fields and reasons."""
    try:
        return await run_in_threadpool(change)
    except errors.InvalidCommand as refused:
        problems = refused.details.get("problems") or []
        reasons = [f"{p['field']}: {p['reason']}" for p in problems] or [str(refused)]
        raise InvalidValueException(detail="; ".join(reasons[:5])) from None


async def _provision(application: Any, row: dict[str, Any], now: Any) -> Person:
    person: Person = await _roster_change(lambda: application.provision(row, at=now))
    return person


async def _saved(
    application: Any, employee_id: str, user: Any, request: Request, now: Any, context: Context
) -> JSONResponse:
    """The User as the identity provider now has it, through the roster rules; as stored."""
    before = application.get_roster().anyone(employee_id)
    person = await _provision(application, person_of(user, before), now)
    return scim_response(_dump(user_of(person, _base(request)), context, request))


@router.post("/Users")
async def create_user(request: Request, application: App, now: Now, _: Provisioner) -> JSONResponse:
    user = _validated(FullUser, await _body(request), Context.RESOURCE_CREATION_REQUEST)
    roster = application.get_roster()
    if user.user_name and roster.anyone(user.user_name) is not None:
        raise UniquenessException(detail=f"userName {user.user_name!r} is already provisioned")
    person = await _provision(application, person_of(user, None), now)
    created = user_of(person, _base(request))
    body = _dump(created, Context.RESOURCE_CREATION_RESPONSE, request)
    return scim_response(body, 201, Location=f"{_base(request)}/Users/{person.employee_id}")


@router.put("/Users/{employee_id}")
async def replace_user(
    employee_id: str, request: Request, application: App, now: Now, _: Provisioner
) -> JSONResponse:
    before = _user(application, employee_id, request)
    user = _validated(FullUser, await _body(request), Context.RESOURCE_REPLACEMENT_REQUEST)
    if user.user_name not in (None, before.user_name):
        raise MutabilityException(detail="userName is the employee id: it cannot change")
    return await _saved(
        application, employee_id, user, request, now, Context.RESOURCE_REPLACEMENT_RESPONSE
    )


@router.patch("/Users/{employee_id}")
async def patch_user(
    employee_id: str, request: Request, application: App, now: Now, _: Provisioner
) -> JSONResponse:
    user = _user(application, employee_id, request)
    patch = _validated(PatchOp[FullUser], await _body(request), Context.RESOURCE_PATCH_REQUEST)
    patch.patch(user)
    return await _saved(
        application, employee_id, user, request, now, Context.RESOURCE_PATCH_RESPONSE
    )


@router.delete("/Users/{employee_id}")
async def delete_user(
    employee_id: str, request: Request, application: App, now: Now, _: Provisioner
) -> Response:
    _user(application, employee_id, request)
    await _roster_change(lambda: application.deprovision(employee_id, at=now))
    return Response(status_code=204)


DISCOVERY = ("ServiceProviderConfig", "ResourceTypes", "Schemas")


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def nothing_there(rest: str, request: Request, _: Provisioner) -> JSONResponse:
    """Anything else under ``/scim/v2`` is a SCIM error, not the API's problem document:
    405 for another method on a discovery endpoint (they are read-only), else 404."""
    if rest.split("/", 1)[0] in DISCOVERY:
        refused = Error(status=405, detail=f"{request.method} is not allowed here: GET only")
        return scim_response(refused.model_dump(scim_ctx=Context.DEFAULT), 405, Allow="GET")
    raise NotFoundException(detail=f"no SCIM endpoint /{rest[:100]}")


def install(app: Any) -> None:
    """The SCIM routes and their error answers (SCIM ``Error`` messages)."""

    async def scim_failure(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SCIMException)
        return scim_error(exc)

    app.add_exception_handler(SCIMException, scim_failure)
    app.include_router(router)


__all__ = ["Error", "install"]
