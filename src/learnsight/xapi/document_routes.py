"""State, Activity Profile and Agent Profile resources (Communication 2.3, 2.6, 2.7)."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from learnsight.deps import PrincipalDep, ServicesDep, require
from learnsight.xapi.documents import DocumentScope, DocumentStore, Preconditions
from learnsight.xapi.errors import XAPIError
from learnsight.xapi.query import parse_agent_param
from learnsight.xapi.statements import http_date, parse_timestamp
from learnsight.xapi.validate import is_iri, is_timestamp, is_uuid

router = APIRouter(prefix="/xAPI")


@dataclass(frozen=True)
class Resource:
    """How one document resource names its documents and scopes its access."""

    kind: str
    id_param: str
    needs_activity: bool
    needs_agent: bool
    scope: str  # the xAPI scope that grants writing it
    requires_conditions: bool  # PUT over an existing document needs If-Match/If-None-Match

    def params(self, method: str, single: bool) -> set[str]:
        allowed = {self.id_param}
        if self.needs_activity:
            allowed.add("activityId")
        if self.needs_agent:
            allowed.add("agent")
        if self.kind == "state":
            allowed.add("registration")
        if method == "GET" and not single:
            allowed.add("since")
        return allowed


STATE = Resource("state", "stateId", True, True, "state", False)
ACTIVITY_PROFILE = Resource("activity_profile", "profileId", True, False, "profile", True)
AGENT_PROFILE = Resource("agent_profile", "profileId", False, True, "profile", True)


def parse_scope(resource: Resource, params: dict[str, str]) -> DocumentScope:
    activity_id = agent_key = ""
    registration = None
    if resource.needs_activity:
        activity_id = params.get("activityId", "")
        if not is_iri(activity_id):
            raise XAPIError("activityId: required, and must be an IRI")
    if resource.needs_agent:
        agent_key = parse_agent_param(params.get("agent"))
    if "registration" in params:
        registration = params["registration"].lower()
        if not is_uuid(registration):
            raise XAPIError("registration: must be a UUID")
    return DocumentScope(resource.kind, activity_id, agent_key, registration)


def request_params(request: Request, resource: Resource) -> tuple[dict[str, str], str | None]:
    params = dict(request.query_params)
    doc_id = params.get(resource.id_param)
    unknown = set(params) - resource.params(request.method, doc_id is not None)
    if unknown:
        raise XAPIError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    return params, doc_id


def preconditions(request: Request) -> Preconditions:
    return Preconditions(request.headers.get("if-match"), request.headers.get("if-none-match"))


def document_routes(path: str, resource: Resource) -> None:
    """Register GET/HEAD, PUT, POST and DELETE on one document resource."""

    @router.api_route(path, methods=["GET", "HEAD"], name=f"get_{resource.kind}")
    def get_documents(request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
        require(principal, resource.scope, "all/read")
        params, doc_id = request_params(request, resource)
        scope = parse_scope(resource, params)
        if doc_id is None:
            return list_documents(services.documents, scope, params.get("since"))
        document = services.documents.get(scope, doc_id)
        if document is None:
            raise XAPIError(f"no document {doc_id!r} here", 404)
        headers = {"ETag": f'"{document.etag}"', "Last-Modified": http_date(document.updated)}
        return Response(document.content, 200, headers=headers, media_type=document.content_type)

    @router.api_route(path, methods=["PUT", "POST"], name=f"write_{resource.kind}")
    async def write_document(
        request: Request, services: ServicesDep, principal: PrincipalDep
    ) -> Response:
        require(principal, resource.scope)
        params, doc_id = request_params(request, resource)
        scope = parse_scope(resource, params)
        if doc_id is None:
            raise XAPIError(f"{resource.id_param}: required")
        content = await request.body()
        content_type = request.headers.get("content-type", "application/octet-stream")
        store = services.documents
        if request.method == "PUT":
            await run_in_threadpool(
                store.put, scope, doc_id, content, content_type, preconditions(request),
                resource.requires_conditions,
            )  # fmt: skip
        else:
            await run_in_threadpool(
                store.post, scope, doc_id, content, content_type, preconditions(request)
            )
        return Response(status_code=204)

    @router.delete(path, name=f"delete_{resource.kind}")
    def delete_documents(
        request: Request, services: ServicesDep, principal: PrincipalDep
    ) -> Response:
        require(principal, resource.scope)
        params, doc_id = request_params(request, resource)
        if doc_id is None and resource.kind != "state":
            raise XAPIError(f"{resource.id_param}: required")
        services.documents.delete(parse_scope(resource, params), doc_id, preconditions(request))
        return Response(status_code=204)


def list_documents(store: DocumentStore, scope: DocumentScope, since: str | None) -> Response:
    if since is not None and not is_timestamp(since):
        raise XAPIError("since: must be an ISO 8601 timestamp")
    ids, latest = store.ids(scope, parse_timestamp(since) if since else None)
    headers = {"Last-Modified": http_date(latest)} if latest else {}
    return Response(orjson.dumps(ids), 200, headers=headers, media_type="application/json")


document_routes("/activities/state", STATE)
document_routes("/activities/profile", ACTIVITY_PROFILE)
document_routes("/agents/profile", AGENT_PROFILE)
