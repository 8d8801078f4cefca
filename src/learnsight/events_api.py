"""POST /api/v1/events: product events from analytics SDKs, in the Segment Tracking API format.

The calls go through the generic loader (the same SQL rules and upsert on message_id as
`learnsight import events`), all or nothing per request, so an SDK's retry of a batch stores
nothing twice. docs/events.md describes what is accepted.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from learnsight.auth import Principal
from learnsight.deps import ServicesDep, authenticate, require
from learnsight.ingest.kinds import KINDS
from learnsight.ingest.loader import ImportOptions, import_rows
from learnsight.ingest.segment import (
    MAPPING,
    MAX_BATCH_BYTES,
    Calls,
    SegmentError,
    parse_calls,
    rejection,
)
from learnsight.ingest.sources import load_rows
from learnsight.ingest.summary import ImportResult
from learnsight.services import Services
from learnsight.xapi.errors import XAPIError

router = APIRouter(prefix="/api/v1")


def sdk_principal(request: Request, services: ServicesDep) -> Principal:
    """HTTP Basic with KEY and SECRET, or with a Segment SDK's write key set to "KEY:SECRET".

    SDKs send their write key as the Basic user name and an empty password, so such a header
    reads "KEY:SECRET:"; without its last colon it is an ordinary credential. Every other
    header is checked as on the rest of /api/v1.
    """
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""  # the shared check answers 401 for it
        if decoded.count(":") == 2 and decoded.endswith(":"):
            key, _, secret = decoded[:-1].partition(":")
            principal = services.credentials.authenticate(key, secret)
            if principal is not None:
                return principal
    return authenticate(request, services)


SDKPrincipal = Annotated[Principal, Depends(sdk_principal)]


# The base path, and the paths SDKs append to their `host` setting (`https://HOST/api/v1/events`).
@router.post("/events", max_body_size=MAX_BATCH_BYTES)
@router.post("/events/v1/batch", max_body_size=MAX_BATCH_BYTES, include_in_schema=False)
@router.post("/events/v1/import", max_body_size=MAX_BATCH_BYTES, include_in_schema=False)
@router.post("/events/v1/track", max_body_size=MAX_BATCH_BYTES, include_in_schema=False)
async def post_events(
    request: Request, services: ServicesDep, principal: SDKPrincipal
) -> dict[str, Any]:
    """Store the `track` calls of a Segment call or batch; other call types are skipped."""
    require(principal, "events/write", "api/write")
    body = await request.body()
    if request.headers.get("content-encoding", "").lower() == "gzip":
        body = gunzip(body)
    try:
        calls = parse_calls(body, datetime.now(UTC))
    except SegmentError as error:
        raise XAPIError(str(error)) from None
    result = await run_in_threadpool(store, services, calls)
    if result.outcome == "rejected":
        raise XAPIError(rejection(calls, result))
    return {
        "success": True,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "ignored": result.skipped,  # calls other than track
        "duplicates": result.duplicates,  # repeated messageIds in the request: the last wins
    }


def gunzip(body: bytes) -> bytes:
    """A gzipped body (analytics-python's gzip option), held to the same size limit."""
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflate.decompress(body, MAX_BATCH_BYTES + 1)
    except zlib.error as error:
        raise XAPIError(f"Content-Encoding gzip: the body is not gzip data ({error})") from None
    if len(data) > MAX_BATCH_BYTES:
        raise XAPIError(f"the body is over {MAX_BATCH_BYTES:,} bytes once unzipped", 413)
    return data


def store(services: Services, calls: Calls) -> ImportResult:
    """The track calls upserted on message_id, all or nothing; not listed in import history."""
    options = ImportOptions(strict=True, history=False)
    read = partial(load_rows, rows=calls.rows)
    return import_rows(services.db, KINDS["events"], read, "POST /api/v1/events", MAPPING, options)
