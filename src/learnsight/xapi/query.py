"""GET /statements: parameters, the filter SQL, StatementRef matching and `more` paging.

Communication 2.1.3. Results are ordered by "stored", which is insertion order (`seq`), so a
page continues from the last `seq` it returned; the first page also fixes a ceiling `seq`, so
statements arriving while a client pages through never shift or join the result.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import orjson

from learnsight.db import Database
from learnsight.xapi.agents import ifi_key
from learnsight.xapi.errors import XAPIError
from learnsight.xapi.statements import parse_timestamp
from learnsight.xapi.validate import is_iri, is_timestamp, is_uuid, validate_agent

FILTER_PARAMS = {
    "agent", "verb", "activity", "registration", "related_activities", "related_agents",
    "since", "until", "limit", "format", "attachments", "ascending",
}  # fmt: skip
SINGLE_PARAMS = {"statementId", "voidedStatementId", "format", "attachments"}
FORMATS = ("exact", "ids", "canonical")


@dataclass
class StatementQuery:
    """A parsed statement query; serialisable into a `more` token."""

    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: str | None = None
    until: str | None = None
    limit: int = 0
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    after_seq: int | None = None
    ceiling_seq: int | None = None
    credential: str | None = None  # statements/read/mine: only what this credential stored
    params: dict[str, str] = field(default_factory=dict)  # as the client sent them

    def token(self) -> str:
        """The `more` token: the client's parameters and the position reached."""
        state = {"params": self.params, "after": self.after_seq, "ceiling": self.ceiling_seq}
        return base64.urlsafe_b64encode(orjson.dumps(state)).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> StatementQuery:
        """The query a `more` token continues; its parameters are checked again."""
        try:
            state = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        except ValueError:
            state = None
        if not (
            isinstance(state, dict)
            and isinstance(state.get("params"), dict)
            and all(isinstance(v, str) for v in state["params"].values())
            and all(type(state.get(k)) is int for k in ("after", "ceiling"))
        ):
            raise XAPIError("more: not a continuation this LRS issued")
        query = parse_query(state["params"])
        query.after_seq, query.ceiling_seq = state["after"], state["ceiling"]
        return query


def parse_bool(name: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise XAPIError(f"{name}: must be true or false, not {value!r}")
    return value == "true"


def parse_query(params: dict[str, str]) -> StatementQuery:
    """Check every parameter of a multi-statement GET (unknown or miscased ones are 400)."""
    unknown = set(params) - FILTER_PARAMS
    if unknown:
        raise XAPIError(f"unknown parameter(s) for GET statements: {', '.join(sorted(unknown))}")
    query = StatementQuery(params=dict(params))
    if "agent" in params:
        query.agent = parse_agent_param(params["agent"])
    for name, check, rule in (
        ("verb", is_iri, "an IRI"),
        ("activity", is_iri, "an IRI"),
        ("registration", is_uuid, "a UUID"),
        ("since", is_timestamp, "an ISO 8601 timestamp"),
        ("until", is_timestamp, "an ISO 8601 timestamp"),
    ):
        if name in params:
            if not check(params[name]):
                raise XAPIError(f"{name}: must be {rule}, not {params[name]!r}")
            setattr(query, name, params[name])
    for name in ("related_activities", "related_agents", "attachments", "ascending"):
        if name in params:
            setattr(query, name, parse_bool(name, params[name]))
    query.limit = parse_limit(params.get("limit", "0"))
    query.format = parse_format(params.get("format", "exact"))
    return query


def load_agent(text: str | None) -> dict[str, Any]:
    """The `agent` parameter: a JSON Agent or Group, validated (400 otherwise)."""
    if text is None:
        raise XAPIError("agent: required")
    try:
        agent = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise XAPIError("agent: must be a JSON Agent object") from None
    validate_agent(agent, "agent")
    assert isinstance(agent, dict)  # validate_agent accepts objects only
    return agent


def parse_agent_param(text: str | None) -> str:
    """The identity key of the `agent` parameter, which must identify one Agent or Group."""
    key = ifi_key(load_agent(text))
    if key is None:
        raise XAPIError("agent: an anonymous Group does not identify anyone")
    return key


def parse_limit(value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise XAPIError(f"limit: must be a non-negative integer, not {value!r}")
    return int(value)


def parse_format(value: str) -> str:
    if value not in FORMATS:
        raise XAPIError(f"format: must be one of {', '.join(FORMATS)}, not {value!r}")
    return value


def match_conditions(query: StatementQuery, alias: str) -> tuple[list[str], list[Any]]:
    """The non-time filters, which a StatementRef also meets through its target."""
    conditions: list[str] = []
    params: list[Any] = []
    a = alias
    if query.agent is not None:
        if query.related_agents:
            conditions.append(f"list_contains({a}.related_agents, ?)")
            params.append(query.agent)
        else:
            conditions.append(
                f"({a}.actor_key = ? OR list_contains({a}.actor_members, ?) OR "
                f"({a}.object_type IN ('Agent', 'Group') AND "
                f"({a}.object_id = ? OR list_contains({a}.object_members, ?))))"
            )
            params += [query.agent] * 4
    if query.verb is not None:
        conditions.append(f"{a}.verb_id = ?")
        params.append(query.verb)
    if query.activity is not None:
        if query.related_activities:
            conditions.append(f"list_contains({a}.related_activities, ?)")
        else:
            conditions.append(f"({a}.object_type = 'Activity' AND {a}.object_id = ?)")
        params.append(query.activity)
    if query.registration is not None:
        conditions.append(f"{a}.registration = ?::UUID")
        params.append(query.registration)
    return conditions, params


def page_conditions(query: StatementQuery) -> tuple[list[str], list[Any]]:
    """Conditions on the statement itself, never met through a StatementRef: not voided,
    since/until, the page's position, and the credential for statements/read/mine."""
    conditions: list[str] = ["NOT s.voided"]
    params: list[Any] = []
    if query.since is not None:
        conditions.append("s.stored > ?")
        params.append(parse_timestamp(query.since))
    if query.until is not None:
        conditions.append("s.stored <= ?")
        params.append(parse_timestamp(query.until))
    if query.after_seq is not None:
        conditions.append("s.seq > ?" if query.ascending else "s.seq < ?")
        params.append(query.after_seq)
    if query.ceiling_seq is not None:
        conditions.append("s.seq <= ?")
        params.append(query.ceiling_seq)
    if query.credential is not None:
        conditions.append("s.credential_key = ?")
        params.append(query.credential)
    return conditions, params


def build_sql(query: StatementQuery, with_refs: bool, page: int) -> tuple[str, list[Any]]:
    """SQL returning (seq, raw) of one page plus one row, to tell whether more follow."""
    match, match_params = match_conditions(query, "s")
    where, params = page_conditions(query)
    prefix = ""
    if match and with_refs:
        target_match, target_params = match_conditions(query, "t")
        prefix = f"""WITH RECURSIVE hit(id) AS (
            SELECT r.id FROM statements r JOIN statements t ON t.id = r.ref_target
            WHERE r.ref_target IS NOT NULL AND {" AND ".join(target_match)}
            UNION SELECT r.id FROM statements r JOIN hit h ON r.ref_target = h.id)
        """
        where.append(f"(({' AND '.join(match)}) OR s.id IN (SELECT id FROM hit))")
        params = target_params + params + match_params
    else:
        where += match
        params += match_params
    order = "ASC" if query.ascending else "DESC"
    # Find the page's seqs first, then read only their JSON: filtering while carrying the
    # large `raw` column is several times slower on a million statements.
    sql = f"""{prefix}SELECT seq, raw FROM statements WHERE seq IN (
        SELECT s.seq FROM statements s WHERE {" AND ".join(where)}
        ORDER BY s.seq {order} LIMIT {page + 1})
    ORDER BY seq {order}"""
    return sql, params


def run_query(
    db: Database, query: StatementQuery, max_page: int, with_refs: bool
) -> tuple[list[str], str | None]:
    """One page of raw statement JSON, and the `more` token when statements remain.

    `with_refs`: whether any stored statement has a StatementRef object (else the StatementRef
    rule, which costs a recursive query, cannot change the result).
    """
    cursor = db.read()
    if query.ceiling_seq is None:
        row = cursor.execute("SELECT coalesce(max(seq), 0) FROM statements").fetchone()
        query.ceiling_seq = row[0] if row else 0
    page = min(query.limit, max_page) if query.limit else max_page
    sql, params = build_sql(query, with_refs, page)
    rows = cursor.execute(sql, params).fetchall()
    if len(rows) <= page:
        return [raw for _, raw in rows], None
    rows = rows[:page]
    query.after_seq = rows[-1][0]
    return [raw for _, raw in rows], query.token()


def fetch_single(
    db: Database, statement_id: str, voided: bool, credential: str | None = None
) -> str | None:
    """The statement with this id: voided ones only by voidedStatementId (Comm. 2.1.4)."""
    sql = "SELECT raw FROM statements WHERE id = ?::UUID AND voided = ?"
    params: list[Any] = [statement_id, voided]
    if credential is not None:
        sql += " AND credential_key = ?"
        params.append(credential)
    row = db.read().execute(sql, params).fetchone()
    return row[0] if row else None
