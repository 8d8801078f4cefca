"""The Statement, About, Activities and Agents resources (Communication 2.1, 2.4, 2.5, 2.8)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from learnsight.auth import Principal
from learnsight.deps import PrincipalDep, ServicesDep, require
from learnsight.services import Services
from learnsight.xapi import formats, multipart, query
from learnsight.xapi.agents import person
from learnsight.xapi.errors import XAPIError
from learnsight.xapi.http import XAPI_VERSION
from learnsight.xapi.signature import verify_signatures
from learnsight.xapi.statements import http_date, parse_timestamp
from learnsight.xapi.store import Attachment
from learnsight.xapi.validate import is_iri, is_uuid, validate_statement

router = APIRouter(prefix="/xAPI")
READ_SCOPES = ("statements/read", "statements/read/mine", "all/read")


def json_response(body: Any, headers: dict[str, str] | None = None) -> Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(content, 200, headers=headers, media_type="application/json")


def check_params(request: Request, allowed: set[str]) -> dict[str, str]:
    """Query parameters, rejecting any this resource does not define (Comm. 3.2.s3.b7)."""
    params = dict(request.query_params)
    unknown = set(params) - allowed
    if unknown:
        raise XAPIError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    return params


@router.api_route("/about", methods=["GET", "HEAD"])
def about() -> Response:
    return json_response({"version": [XAPI_VERSION, "1.0.0"]})


@router.put("/statements")
async def put_statement(
    request: Request, services: ServicesDep, principal: PrincipalDep
) -> Response:
    require(principal, "statements/write")
    params = check_params(request, {"statementId"})
    statement_id = params.get("statementId")
    if statement_id is None or not is_uuid(statement_id):
        raise XAPIError("statementId: PUT needs a statementId parameter holding a UUID")
    statements, attachments = await read_statements(request)
    if not isinstance(statements, dict):
        raise XAPIError("PUT statements takes a single statement object")
    given = statements.get("id", statement_id)
    if not isinstance(given, str) or given.lower() != statement_id.lower():
        raise XAPIError("$.id: differs from the statementId parameter")
    statements["id"] = statement_id
    await store_batch(services, principal, [statements], attachments, single=True)
    return Response(status_code=204)


@router.post("/statements")
async def post_statements(
    request: Request, services: ServicesDep, principal: PrincipalDep
) -> Response:
    require(principal, "statements/write")
    check_params(request, set())
    statements, attachments = await read_statements(request)
    batch = statements if isinstance(statements, list) else [statements]
    ids = await store_batch(
        services, principal, batch, attachments, single=not isinstance(statements, list)
    )
    return json_response(ids)


async def read_statements(request: Request) -> tuple[Any, dict[str, Attachment]]:
    """The decoded JSON body, and the attachments of a multipart/mixed request."""
    content_type = request.headers.get("content-type", "")
    media, _ = multipart.content_type_params(content_type)
    body = await request.body()
    attachments: dict[str, Attachment] = {}
    if media == "multipart/mixed":
        body, attachments = multipart.parse_statement_request(body, content_type)
    elif media != "application/json":
        raise XAPIError(f"Content-Type must be application/json or multipart/mixed, not {media!r}")
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise XAPIError(f"the body is not valid JSON: {error}") from None
    if not isinstance(decoded, dict | list):
        raise XAPIError("the body must be a statement object or an array of statements")
    return decoded, attachments


async def store_batch(
    services: Services,
    principal: Principal,
    batch: list[Any],
    attachments: dict[str, Attachment],
    single: bool,
) -> list[str]:
    for index, statement in enumerate(batch):
        validate_statement(statement, "$" if single else f"$[{index}]")
        check_attachments(index, statement, attachments)
        verify_signatures(index, statement, attachments)
    reject_unreferenced_parts(batch, attachments)
    authority = principal.authority(services.settings.base_url)
    stored = await run_in_threadpool(
        services.statements.store, batch, authority, attachments, principal.key
    )
    return stored.ids


def check_attachments(
    index: int, statement: dict[str, Any], received: dict[str, Attachment]
) -> None:
    """Every attachment needs a fileUrl or raw data sent in the request (Comm. 1.5.2)."""
    for position, meta in enumerate(statement.get("attachments", ())):
        if "fileUrl" not in meta and meta["sha2"].lower() not in received:
            raise XAPIError(
                f"$[{index}].attachments[{position}]: no fileUrl and no multipart part "
                f"with SHA-2 {meta['sha2']}"
            )


def reject_unreferenced_parts(batch: list[Any], received: dict[str, Attachment]) -> None:
    """A multipart part that no attachment object declares is an error (Comm. 1.5.2)."""
    declared = {a["sha2"].lower() for st in batch for a in st.get("attachments", ())}
    for sha2 in received:
        if sha2 not in declared:
            raise XAPIError(f"multipart part with SHA-2 {sha2} matches no attachment object")


@router.api_route("/statements", methods=["GET", "HEAD"])
def get_statements(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    require(principal, *READ_SCOPES)
    params = dict(request.query_params)
    mine = mine_only(principal)
    if "statementId" in params or "voidedStatementId" in params:
        return get_single_statement(services, params, request, mine)
    if "more" in params:
        if len(params) > 1:
            raise XAPIError("more: a continuation takes no other parameter")
        statement_query = query.StatementQuery.from_token(params["more"])
    else:
        statement_query = query.parse_query(params)
    statement_query.credential = mine
    raws, token = query.run_query(
        services.db,
        statement_query,
        services.settings.statement_page_size,
        services.statements.has_statement_refs,
    )
    more = f"/xAPI/statements?more={token}" if token else ""
    statements = formatted(services, raws, statement_query.format, request)
    body = b'{"statements":[' + b",".join(statements) + b'],"more":' + orjson.dumps(more) + b"}"
    headers: dict[str, str] = {}
    if raws:
        newest = raws[-1] if statement_query.ascending else raws[0]
        headers["Last-Modified"] = http_date(parse_timestamp(orjson.loads(newest)["stored"]))
    if statement_query.attachments:
        return multipart_response(services, body, raws, headers)
    return json_response(body, headers)


def mine_only(principal: Principal) -> str | None:
    """With only statements/read/mine: the credential whose statements alone can be read."""
    return None if principal.may("statements/read", "all/read") else principal.key


def get_single_statement(
    services: Services, params: dict[str, str], request: Request, mine: str | None
) -> Response:
    if "statementId" in params and "voidedStatementId" in params:
        raise XAPIError("statementId and voidedStatementId cannot be used together")
    extra = set(params) - query.SINGLE_PARAMS
    if extra:
        raise XAPIError(f"{', '.join(sorted(extra))}: not allowed with a statement id")
    voided = "voidedStatementId" in params
    statement_id = params["voidedStatementId" if voided else "statementId"]
    if not is_uuid(statement_id):
        raise XAPIError(f"statementId: {statement_id!r} is not a UUID")
    statement_format = query.parse_format(params.get("format", "exact"))
    with_attachments = query.parse_bool("attachments", params.get("attachments", "false"))
    raw = query.fetch_single(services.db, statement_id.lower(), voided, mine)
    if raw is None:
        raise XAPIError(f"no statement with id {statement_id}", 404)
    body = formatted(services, [raw], statement_format, request)[0]
    headers = {"Last-Modified": http_date(parse_timestamp(orjson.loads(raw)["stored"]))}
    if with_attachments:
        return multipart_response(services, body, [raw], headers)
    return json_response(body, headers)


def formatted(services: Services, raws: list[str], fmt: str, request: Request) -> list[bytes]:
    if fmt == "exact":
        return [raw.encode() for raw in raws]
    if fmt == "ids":
        return [orjson.dumps(formats.as_ids(orjson.loads(raw))) for raw in raws]
    languages = formats.accepted_languages(request.headers.get("accept-language"))
    definitions = services.statements.definition
    return [
        orjson.dumps(formats.as_canonical(orjson.loads(raw), definitions, languages))
        for raw in raws
    ]


def multipart_response(
    services: Services, body: bytes, raws: list[str], headers: dict[str, str]
) -> Response:
    hashes = {
        a["sha2"].lower()
        for raw in raws
        for a in orjson.loads(raw).get("attachments", ())
        if "sha2" in a
    }
    content, media_type = multipart.build_response(body, services.statements.attachments(hashes))
    return Response(content, 200, headers=headers, media_type=media_type)


@router.api_route("/activities", methods=["GET", "HEAD"])
def get_activity(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    require(principal, "all/read", "define", "profile", "statements/read")
    params = check_params(request, {"activityId"})
    activity_id = params.get("activityId")
    if activity_id is None or not is_iri(activity_id):
        raise XAPIError("activityId: required, and must be an IRI")
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    definition = services.statements.definition(activity_id)
    if definition:
        activity["definition"] = definition
    return json_response(activity)


@router.api_route("/agents", methods=["GET", "HEAD"])
def get_agent(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    require(principal, "all/read", "profile", "statements/read")
    agent = query.load_agent(check_params(request, {"agent"}).get("agent"))
    if agent.get("objectType") == "Group":
        raise XAPIError("agent: must be an Agent, not a Group")
    return json_response(person(agent))
