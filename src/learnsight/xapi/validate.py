"""Validation of xAPI 1.0.3 Statements against the Data part of the specification.

The rules come from xAPI-Data.md (1.0.3); section numbers below refer to it:

* 2.2 Formatting Requirements: no ``null`` outside extensions, exact key case, no keys the
  spec does not define, typed values, IRIs with a scheme, RFC 5646 language-map keys.
* 2.3.2 Voiding: the ``voided`` Verb takes a StatementRef Object.
* 2.4 Statement Properties: 2.4.1 id (UUID), 2.4.2 Actor (Agent, Group, Inverse Functional
  Identifier, Account), 2.4.3 Verb, 2.4.4 Object (Activity and its Definition, Interaction
  Activities, Agent/Group, StatementRef, SubStatement), 2.4.5 Result and Score, 2.4.6 Context
  and contextActivities, 2.4.7 Timestamp, 2.4.8 Stored, 2.4.9 Authority, 2.4.10 Version,
  2.4.11 Attachments.
* 4.1 Extensions, 4.2 Language Maps, 4.4 UUIDs, 4.5 ISO 8601 Timestamps, 4.6 ISO 8601
  Durations; Communication 3.3 for the version format.

Where the spec leaves latitude, the ADL LRS conformance test suite (test/v1_0_3) decides what
is rejected: e.g. an authority Group must be anonymous with exactly two members, "-00:00"
offsets are rejected, a ``version`` of "1.0" is accepted.

The validator runs on the ingest hot path, so: one pass, no copies, precompiled regexes,
frozenset key checks, and caches of IRIs and language tags already seen to be valid (these
repeat across statements). It only ever raises :class:`StatementError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Final, NoReturn

from learnsight.xapi.errors import StatementError

__all__ = [
    "is_duration",
    "is_iri",
    "is_language_tag",
    "is_timestamp",
    "is_uuid",
    "validate_activity_id",
    "validate_agent",
    "validate_statement",
]

JSONObject = dict[str, object]

# Marks an absent key, so that an explicit null is still seen (and rejected, 2.2.s4.b1.b1).
_MISSING: Final = object()

VOIDED_VERB: Final = "http://adlnet.gov/expapi/verbs/voided"

# --- Allowed keys of each object (2.2.s4.b1.b5 and b7: wrong case / unknown key -> 400) ---

_STATEMENT_KEYS: Final = frozenset(
    {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored"}
    | {"authority", "version", "attachments"}
)
_SUBSTATEMENT_KEYS: Final = frozenset(
    {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
_SUBSTATEMENT_FORBIDDEN: Final = ("id", "stored", "version", "authority")
_AGENT_KEYS: Final = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
_GROUP_KEYS: Final = _AGENT_KEYS | {"member"}
_IFI_KEYS: Final = ("mbox", "mbox_sha1sum", "openid", "account")
_ACCOUNT_KEYS: Final = frozenset({"homePage", "name"})
_VERB_KEYS: Final = frozenset({"id", "display"})
_ACTIVITY_KEYS: Final = frozenset({"objectType", "id", "definition"})
_STATEMENT_REF_KEYS: Final = frozenset({"objectType", "id"})
_INTERACTION_KEYS: Final = frozenset(
    {"interactionType", "correctResponsesPattern", "choices", "scale", "source", "target", "steps"}
)
_DEFINITION_KEYS: Final = (
    frozenset({"name", "description", "type", "moreInfo", "extensions"}) | _INTERACTION_KEYS
)
_COMPONENT_KEYS: Final = frozenset({"id", "description"})
_RESULT_KEYS: Final = frozenset(
    {"score", "success", "completion", "response", "duration", "extensions"}
)
_SCORE_KEYS: Final = frozenset({"scaled", "raw", "min", "max"})
_CONTEXT_KEYS: Final = frozenset(
    {"registration", "instructor", "team", "contextActivities", "revision", "platform"}
    | {"language", "statement", "extensions"}
)
_CONTEXT_ACTIVITIES_KEYS: Final = frozenset({"parent", "grouping", "category", "other"})
_ATTACHMENT_KEYS: Final = frozenset(
    {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
)

# 2.4.4.1.s15 table 2: the interaction component lists each interactionType supports.
_NO_LISTS: Final[frozenset[str]] = frozenset()
_COMPONENT_LISTS_BY_TYPE: Final = {
    "true-false": _NO_LISTS,
    "choice": frozenset({"choices"}),
    "fill-in": _NO_LISTS,
    "long-fill-in": _NO_LISTS,
    "matching": frozenset({"source", "target"}),
    "performance": frozenset({"steps"}),
    "sequencing": frozenset({"choices"}),
    "likert": frozenset({"scale"}),
    "numeric": _NO_LISTS,
    "other": _NO_LISTS,
}
_COMPONENT_LISTS: Final = ("choices", "scale", "source", "target", "steps")

# --- Formats ---

# RFC 3987 IRI, best effort (2.2.s4.b6): a scheme (RFC 3986 3.1) then characters an IRI may
# contain. Non-ASCII is allowed (that is what makes it an IRI); whitespace, controls and the
# characters RFC 3986 never allows unescaped are not. "urn:uuid:…", "uuid://…" and
# "course-v1:FUN-MOOC+00002+session01" are absolute IRIs; "example.com/x" has no scheme.
_IRI_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f\"<>\\^`{|}]+")
_UUID_RE: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
# ISO 8601 extended complete date-time, i.e. RFC 3339 plus ISO's "+hh" / "+hhmm" offsets and
# an optional offset (4.5.s1.b4 says SHOULD include one). Day-of-month and "-00" offsets are
# checked in code.
_TIMESTAMP_RE: Final = re.compile(
    r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.,][0-9]+)?"
    r"(Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?"
)
_NEGATIVE_ZERO_OFFSETS: Final = frozenset({"-00", "-0000", "-00:00"})
_DAYS_IN_MONTH: Final = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# ISO 8601:2004 4.4.3.2 durations: PnYnMnDTnHnMnS (each part optional, at least one) or PnW.
_N: Final = r"[0-9]+(?:[.,][0-9]+)?"
_DURATION_RE: Final = re.compile(
    rf"P(?:{_N}W|(?=[0-9]|T[0-9])(?:{_N}Y)?(?:{_N}M)?(?:{_N}D)?"
    rf"(?:T(?=[0-9])(?:{_N}H)?(?:{_N}M)?(?:{_N}S)?)?)"
)
# ISO 8601 allows a decimal fraction on the lowest-order component only.
_FRACTION_LAST_RE: Final = re.compile(r"[^.,]*[.,][0-9]+[A-Z]")
_MBOX_RE: Final = re.compile(r"mailto:[^@\s\x00-\x1f]+@[^@\s\x00-\x1f/?#]+")
_SHA1_RE: Final = re.compile(r"[0-9a-fA-F]{40}")
_HEX_RE: Final = re.compile(r"[0-9a-fA-F]+")
_SHA2_HEX_LENGTHS: Final = frozenset({56, 64, 96, 128})  # SHA-224, -256, -384, -512
_TOKEN: Final = r"[!#$%&'*+.^_`|~0-9A-Za-z\-]+"
_MEDIA_TYPE_RE: Final = re.compile(rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[^\r\n]*)?")
# 2.4.10 and Communication 3.3: "1.0" or a 1.0.x Semantic Versioning 1.0.0 version.
_VERSION_RE: Final = re.compile(r"1\.0(?:\.[0-9]+(?:-?[0-9A-Za-z][0-9A-Za-z.\-]*)?)?")

# RFC 5646 2.1 ABNF, case-insensitive. Duplicate variants/singletons are checked in code.
_LANGTAG_RE: Final = re.compile(
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})"  # language [-extlang]
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
    r"|x(?:-[a-z0-9]{1,8})+",  # private use only
    re.IGNORECASE | re.ASCII,
)
_GRANDFATHERED_TAGS: Final = frozenset(
    "en-gb-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn"
    " i-tao i-tay i-tsu sgn-be-fr sgn-be-nl sgn-ch-de art-lojban cel-gaulish no-bok no-nyn"
    " zh-guoyu zh-hakka zh-min zh-min-nan zh-xiang".split()
)

# Valid IRIs and language tags recur across statements (verbs, activity ids, extension keys,
# "en-US"), so a set lookup replaces the regex. Bounded so that hostile input cannot grow it.
_CACHE_LIMIT: Final = 50_000
_CACHEABLE_LENGTH: Final = 512
_IRI_CACHE: set[str] = set()
_LANGUAGE_TAG_CACHE: set[str] = set()

_RULE_IRI: Final = "must be an absolute IRI (with a scheme)"
_RULE_IRL: Final = "must be an absolute IRL (with a scheme)"
_RULE_UUID: Final = "must be a UUID in standard string form"
_RULE_TIMESTAMP: Final = "must be an ISO 8601 date-time, e.g. 2024-01-31T12:00:00.000Z"
_RULE_STRING: Final = "must be a string"
_RULE_NUMBER: Final = "must be a number"
_RULE_BOOLEAN: Final = "must be a boolean"


# --- Public helpers ---


def is_iri(value: object) -> bool:
    """Whether ``value`` is an absolute IRI, i.e. one with a scheme (2.2.s4.b1.b8, 3.1)."""
    if type(value) is not str:
        return False
    if value in _IRI_CACHE:
        return True
    if _IRI_RE.fullmatch(value) is None:
        return False
    _remember(_IRI_CACHE, value)
    return True


def is_uuid(value: object) -> bool:
    """Whether ``value`` is a UUID in standard string form, any version or case (4.4)."""
    return type(value) is str and _UUID_RE.fullmatch(value) is not None


def is_timestamp(value: object) -> bool:
    """Whether ``value`` is an ISO 8601 extended date-time (4.5).

    Seconds are required, the fraction is optional, the offset is optional ("Z", "+hh:mm",
    "+hhmm" or "+hh") and the negative zero offsets "-00:00", "-0000" and "-00" are rejected
    (conformance suite XAPI-00123). Every accepted value parses with
    ``datetime.fromisoformat`` (Python >= 3.11); one without an offset parses as naive.
    """
    if type(value) is not str:
        return False
    match = _TIMESTAMP_RE.fullmatch(value)
    if match is None:
        return False
    year, month, day, offset = match.groups()
    if offset is not None and offset in _NEGATIVE_ZERO_OFFSETS:
        return False
    if year == "0000":  # ISO 8601 year 0 has no datetime equivalent
        return False
    return day <= "28" or _day_exists(int(year), int(month), int(day))


def is_duration(value: object) -> bool:
    """Whether ``value`` is an ISO 8601 duration, PnYnMnDTnHnMnS or PnW (4.6)."""
    if type(value) is not str or _DURATION_RE.fullmatch(value) is None:
        return False
    fractions = value.count(".") + value.count(",")
    return fractions == 0 or (fractions == 1 and _FRACTION_LAST_RE.fullmatch(value) is not None)


def is_language_tag(value: object) -> bool:
    """Whether ``value`` is an RFC 5646 language tag (2.2.s4.b2, 4.2)."""
    if type(value) is not str:
        return False
    if value in _LANGUAGE_TAG_CACHE:
        return True
    if value.lower() in _GRANDFATHERED_TAGS:
        valid = True
    else:
        valid = _LANGTAG_RE.fullmatch(value) is not None and _subtags_unique(value)
    if valid:
        _remember(_LANGUAGE_TAG_CACHE, value)
    return valid


def validate_activity_id(value: object, path: str) -> None:
    """Raise StatementError unless ``value`` is a valid Activity id, an IRI (2.4.4.1)."""
    if not is_iri(value):
        _fail(path, _RULE_IRI)


def validate_agent(agent: object, path: str) -> None:
    """Raise StatementError unless ``agent`` is a valid Agent or Group (2.4.2).

    ``objectType`` defaults to "Agent"; a Group must say "Group". Used for actors,
    instructors and the Agent parameters of the Statement and document resources.
    """
    obj = _object(agent, path)
    object_type = obj.get("objectType", "Agent")
    if object_type == "Agent":
        _check_agent(obj, path)
    elif object_type == "Group":
        _check_group(obj, path)
    else:
        _fail(f"{path}.objectType", 'must be "Agent" or "Group"')


def validate_statement(statement: object, path: str = "$") -> None:
    """Raise StatementError naming the JSON path and the rule broken, if any (2.4).

    Accepts a Statement as a client sends it (id, timestamp, stored, authority, version
    optional) or as an LRS stores it. ``path`` is the Statement's own path, e.g. "$[3]" for
    the fourth Statement of a batch, so errors read "$[3].result.score.scaled: …".
    """
    obj = _object(statement, path)
    _allowed_keys(obj, _STATEMENT_KEYS, path)
    _field(obj, "id", path, is_uuid, _RULE_UUID)
    _check_body(obj, path, in_substatement=False)
    _field(obj, "stored", path, is_timestamp, _RULE_TIMESTAMP)
    authority = obj.get("authority", _MISSING)
    if authority is not _MISSING:
        _check_authority(authority, f"{path}.authority")
    _field(obj, "version", path, _is_version, 'must be "1.0" or a 1.0.x version')


# --- Statement parts ---


def _check_body(obj: JSONObject, path: str, in_substatement: bool) -> None:
    """The properties a Statement and a SubStatement share (2.4, 2.4.4.3.s8.b2)."""
    for key in ("actor", "verb", "object"):
        if key not in obj:
            _fail(f"{path}.{key}", "is required")
    validate_agent(obj["actor"], f"{path}.actor")
    verb_id = _check_verb(obj["verb"], f"{path}.verb")
    object_type = _check_object(obj["object"], f"{path}.object", in_substatement)
    result = obj.get("result", _MISSING)
    if result is not _MISSING:
        _check_result(result, f"{path}.result")
    context = obj.get("context", _MISSING)
    if context is not _MISSING:
        _check_context(context, f"{path}.context", object_type == "Activity")
    _field(obj, "timestamp", path, is_timestamp, _RULE_TIMESTAMP)
    attachments = obj.get("attachments", _MISSING)
    if attachments is not _MISSING:
        _check_attachments(attachments, f"{path}.attachments")
    if verb_id == VOIDED_VERB and object_type != "StatementRef":
        # 2.3.2.s2.b1: a voiding Statement's Object is the StatementRef it voids.
        _fail(f"{path}.object.objectType", 'must be "StatementRef" when the verb is voided')


def _check_verb(value: object, path: str) -> str:
    """A Verb (2.4.3); returns its id."""
    obj = _object(value, path)
    _allowed_keys(obj, _VERB_KEYS, path)
    _field(obj, "id", path, is_iri, _RULE_IRI, required=True)
    _language_map_field(obj, "display", path)
    return str(obj["id"])


def _check_object(value: object, path: str, in_substatement: bool) -> str:
    """A Statement's Object (2.4.4); returns its objectType."""
    obj = _object(value, path)
    object_type = obj.get("objectType", "Activity")
    if object_type == "Activity":
        _check_activity(obj, path)
    elif object_type == "Agent" or object_type == "Group":
        validate_agent(obj, path)  # objectType is present, as 2.4.4.2.s1.b1 requires
    elif object_type == "StatementRef":
        _check_statement_ref(obj, path)
    elif object_type == "SubStatement":
        if in_substatement:
            _fail(f"{path}.objectType", "a SubStatement cannot contain a SubStatement")
        _check_substatement(obj, path)
    else:
        _fail(
            f"{path}.objectType",
            'must be "Activity", "Agent", "Group", "StatementRef" or "SubStatement"',
        )
    return str(object_type)


def _check_substatement(obj: JSONObject, path: str) -> None:
    """A SubStatement (2.4.4.3.s8): a Statement without id, stored, version, authority."""
    for key in _SUBSTATEMENT_FORBIDDEN:
        if key in obj:
            _fail(f"{path}.{key}", "is not allowed in a SubStatement")
    _allowed_keys(obj, _SUBSTATEMENT_KEYS, path)
    _check_body(obj, path, in_substatement=True)


def _check_statement_ref(obj: JSONObject, path: str) -> None:
    """A Statement Reference (2.4.4.3.s4): objectType "StatementRef" and a UUID id."""
    _allowed_keys(obj, _STATEMENT_REF_KEYS, path)
    if obj.get("objectType") != "StatementRef":
        _fail(f"{path}.objectType", 'must be "StatementRef"')
    _field(obj, "id", path, is_uuid, _RULE_UUID, required=True)


def _check_authority(value: object, path: str) -> None:
    """An authority (2.4.9.s3.b1): an Agent, or for 3-legged OAuth an anonymous Group of two."""
    validate_agent(value, path)
    obj = _object(value, path)
    if obj.get("objectType") != "Group":
        return
    for key in _IFI_KEYS:
        if key in obj:
            _fail(f"{path}.{key}", "an authority Group must be anonymous (3-legged OAuth)")
    members = obj["member"]
    if type(members) is list and len(members) != 2:
        _fail(f"{path}.member", "an authority Group must have exactly two Agents")


# --- Agents and Groups ---


def _check_agent(obj: JSONObject, path: str) -> None:
    """An Agent (2.4.2.1): an optional name and exactly one Inverse Functional Identifier."""
    _allowed_keys(obj, _AGENT_KEYS, path)
    _field(obj, "name", path, _is_string, _RULE_STRING)
    if _count_ifis(obj, path) != 1:
        _fail(path, "an Agent must have exactly one of mbox, mbox_sha1sum, openid, account")


def _check_group(obj: JSONObject, path: str) -> None:
    """A Group (2.4.2.2): identified (one IFI) or anonymous (no IFI, members required)."""
    _allowed_keys(obj, _GROUP_KEYS, path)
    _field(obj, "name", path, _is_string, _RULE_STRING)
    identifiers = _count_ifis(obj, path)
    if identifiers > 1:
        _fail(path, "a Group must have at most one of mbox, mbox_sha1sum, openid, account")
    members = obj.get("member", _MISSING)
    if members is _MISSING:
        if identifiers == 0:
            _fail(f"{path}.member", "is required for an anonymous Group")
        return
    items = _array(members, f"{path}.member")
    if identifiers == 0 and not items:
        _fail(f"{path}.member", "an anonymous Group must list at least one Agent")
    for index, member in enumerate(items):
        member_path = f"{path}.member[{index}]"
        member_obj = _object(member, member_path)
        if member_obj.get("objectType", "Agent") != "Agent":
            _fail(f"{member_path}.objectType", 'a Group member must be an "Agent"')
        _check_agent(member_obj, member_path)


def _count_ifis(obj: JSONObject, path: str) -> int:
    """Validate the Inverse Functional Identifiers present (2.4.2.3) and count them."""
    count = 0
    for key in _IFI_KEYS:
        value = obj.get(key, _MISSING)
        if value is _MISSING:
            continue
        count += 1
        if key == "account":
            _check_account(value, f"{path}.account")
        elif key == "mbox":
            if type(value) is not str or _MBOX_RE.fullmatch(value) is None:
                _fail(f"{path}.mbox", 'must be "mailto:" followed by an email address')
        elif key == "mbox_sha1sum":
            if type(value) is not str or _SHA1_RE.fullmatch(value) is None:
                _fail(f"{path}.mbox_sha1sum", "must be a hex-encoded SHA-1 hash (40 digits)")
        elif not is_iri(value):
            _fail(f"{path}.openid", "must be an absolute URI")
    return count


def _check_account(value: object, path: str) -> None:
    """An Account (2.4.2.4): homePage IRL and name, both required."""
    obj = _object(value, path)
    _allowed_keys(obj, _ACCOUNT_KEYS, path)
    _field(obj, "homePage", path, is_iri, _RULE_IRL, required=True)
    _field(obj, "name", path, _is_string, _RULE_STRING, required=True)


# --- Activities ---


def _check_activity(obj: JSONObject, path: str) -> None:
    """An Activity (2.4.4.1): an IRI id and an optional Definition."""
    _allowed_keys(obj, _ACTIVITY_KEYS, path)
    _field(obj, "id", path, is_iri, _RULE_IRI, required=True)
    definition = obj.get("definition", _MISSING)
    if definition is not _MISSING:
        _check_definition(definition, f"{path}.definition")


def _check_activity_object(value: object, path: str) -> None:
    """An Activity where nothing but an Activity may stand (contextActivities, 2.4.6.2)."""
    obj = _object(value, path)
    if obj.get("objectType", "Activity") != "Activity":
        _fail(f"{path}.objectType", 'must be "Activity"')
    _check_activity(obj, path)


def _check_definition(value: object, path: str) -> None:
    """An Activity Definition (2.4.4.1.s2), with interaction properties if any."""
    obj = _object(value, path)
    _allowed_keys(obj, _DEFINITION_KEYS, path)
    _language_map_field(obj, "name", path)
    _language_map_field(obj, "description", path)
    _field(obj, "type", path, is_iri, _RULE_IRI)
    _field(obj, "moreInfo", path, is_iri, _RULE_IRL)
    _extensions_field(obj, path)
    if not obj.keys().isdisjoint(_INTERACTION_KEYS):
        _check_interaction(obj, path)


def _check_interaction(obj: JSONObject, path: str) -> None:
    """Interaction Activity properties (2.4.4.1.s8, s13, s15, s16).

    Any of correctResponsesPattern or the component lists requires a valid interactionType
    (conformance suite XAPI-00064), and each list is allowed only for its interactionTypes.
    """
    interaction_type = obj.get("interactionType", _MISSING)
    if interaction_type is _MISSING:
        _fail(f"{path}.interactionType", "is required by the interaction properties present")
    allowed = None
    if type(interaction_type) is str:
        allowed = _COMPONENT_LISTS_BY_TYPE.get(interaction_type)
    if allowed is None:
        _fail(f"{path}.interactionType", "must be one of " + ", ".join(_COMPONENT_LISTS_BY_TYPE))
    pattern = obj.get("correctResponsesPattern", _MISSING)
    if pattern is not _MISSING:
        key_path = f"{path}.correctResponsesPattern"
        for index, response in enumerate(_array(pattern, key_path)):
            if type(response) is not str:
                _fail(f"{key_path}[{index}]", _RULE_STRING)
    for key in _COMPONENT_LISTS:
        components = obj.get(key, _MISSING)
        if components is _MISSING:
            continue
        if key not in allowed:
            _fail(f"{path}.{key}", f'is not allowed for interactionType "{interaction_type}"')
        _check_components(components, f"{path}.{key}")


def _check_components(value: object, path: str) -> None:
    """An interaction component list (2.4.4.1.s15): objects with distinct string ids."""
    seen: set[str] = set()
    for index, item in enumerate(_array(value, path)):
        item_path = f"{path}[{index}]"
        component = _object(item, item_path)
        _allowed_keys(component, _COMPONENT_KEYS, item_path)
        _field(component, "id", item_path, _is_string, _RULE_STRING, required=True)
        _language_map_field(component, "description", item_path)
        component_id = str(component["id"])
        if component_id in seen:
            _fail(f"{item_path}.id", "must be distinct within the list")
        seen.add(component_id)


# --- Result, Context, Attachments ---


def _check_result(value: object, path: str) -> None:
    """A Result (2.4.5)."""
    obj = _object(value, path)
    _allowed_keys(obj, _RESULT_KEYS, path)
    score = obj.get("score", _MISSING)
    if score is not _MISSING:
        _check_score(score, f"{path}.score")
    _field(obj, "success", path, _is_bool, _RULE_BOOLEAN)
    _field(obj, "completion", path, _is_bool, _RULE_BOOLEAN)
    _field(obj, "response", path, _is_string, _RULE_STRING)
    _field(obj, "duration", path, is_duration, "must be an ISO 8601 duration, e.g. PT1H30M5.2S")
    _extensions_field(obj, path)


def _check_score(value: object, path: str) -> None:
    """A Score (2.4.5.1): -1 <= scaled <= 1, min < max, min <= raw <= max."""
    obj = _object(value, path)
    _allowed_keys(obj, _SCORE_KEYS, path)
    scaled = _number_field(obj, "scaled", path)
    raw = _number_field(obj, "raw", path)
    minimum = _number_field(obj, "min", path)
    maximum = _number_field(obj, "max", path)
    if scaled is not None and not -1 <= scaled <= 1:
        _fail(f"{path}.scaled", "must be between -1 and 1")
    if minimum is not None and maximum is not None and not minimum < maximum:
        _fail(f"{path}.max", "must be greater than min")
    if raw is not None and minimum is not None and raw < minimum:
        _fail(f"{path}.raw", "must not be less than min")
    if raw is not None and maximum is not None and raw > maximum:
        _fail(f"{path}.raw", "must not be greater than max")


def _check_context(value: object, path: str, object_is_activity: bool) -> None:
    """A Context (2.4.6); revision and platform only when the Object is an Activity."""
    obj = _object(value, path)
    _allowed_keys(obj, _CONTEXT_KEYS, path)
    _field(obj, "registration", path, is_uuid, _RULE_UUID)
    instructor = obj.get("instructor", _MISSING)
    if instructor is not _MISSING:
        validate_agent(instructor, f"{path}.instructor")
    team = obj.get("team", _MISSING)
    if team is not _MISSING:
        _check_team(team, f"{path}.team")
    activities = obj.get("contextActivities", _MISSING)
    if activities is not _MISSING:
        _check_context_activities(activities, f"{path}.contextActivities")
    for key in ("revision", "platform"):
        _field(obj, key, path, _is_string, _RULE_STRING)
        if key in obj and not object_is_activity:
            _fail(f"{path}.{key}", "is allowed only when the Statement's object is an Activity")
    _field(obj, "language", path, is_language_tag, "must be an RFC 5646 language tag")
    statement = obj.get("statement", _MISSING)
    if statement is not _MISSING:
        _check_statement_ref(_object(statement, f"{path}.statement"), f"{path}.statement")
    _extensions_field(obj, path)


def _check_team(value: object, path: str) -> None:
    """A context team, which must be a Group (2.4.6.s3 table row 3)."""
    if _object(value, path).get("objectType") != "Group":
        _fail(f"{path}.objectType", 'must be "Group"')
    validate_agent(value, path)


def _check_context_activities(value: object, path: str) -> None:
    """contextActivities (2.4.6.2.s4): each value an Activity or an array of Activities."""
    obj = _object(value, path)
    _allowed_keys(obj, _CONTEXT_ACTIVITIES_KEYS, path)
    for key, activities in obj.items():
        if type(activities) is list:
            for index, activity in enumerate(activities):
                _check_activity_object(activity, f"{path}.{key}[{index}]")
        else:
            _check_activity_object(activities, f"{path}.{key}")


def _check_attachments(value: object, path: str) -> None:
    """Attachments (2.4.11): an array of Attachment objects."""
    for index, item in enumerate(_array(value, path)):
        item_path = f"{path}[{index}]"
        obj = _object(item, item_path)
        _allowed_keys(obj, _ATTACHMENT_KEYS, item_path)
        _field(obj, "usageType", item_path, is_iri, _RULE_IRI, required=True)
        _language_map_field(obj, "display", item_path, required=True)
        _language_map_field(obj, "description", item_path)
        _field(obj, "contentType", item_path, _is_media_type, "must be an Internet Media Type", True)
        _field(obj, "length", item_path, _is_length, "must be a non-negative integer", True)
        _field(obj, "sha2", item_path, _is_sha2, "must be a hex-encoded SHA-2 hash", True)
        _field(obj, "fileUrl", item_path, is_iri, _RULE_IRL)


# --- Language maps and extensions ---


def _language_map_field(obj: JSONObject, key: str, path: str, required: bool = False) -> None:
    """A Language Map (4.2): RFC 5646 tags mapped to strings."""
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        if required:
            _fail(f"{path}.{key}", "is required")
        return
    map_path = f"{path}.{key}"
    for tag, text in _object(value, map_path).items():
        if not is_language_tag(tag):
            _fail(_key_path(map_path, tag), "key must be an RFC 5646 language tag")
        if type(text) is not str:
            _fail(_key_path(map_path, tag), _RULE_STRING)


def _extensions_field(obj: JSONObject, path: str) -> None:
    """Extensions (4.1): IRI keys; any values, null included (4.1.s3.b2, 2.2.s4.b1.b1)."""
    value = obj.get("extensions", _MISSING)
    if value is _MISSING:
        return
    map_path = f"{path}.extensions"
    for key in _object(value, map_path):
        if not is_iri(key):
            _fail(_key_path(map_path, key), "key must be an absolute IRI (with a scheme)")


# --- Generic checks ---


def _fail(path: str, rule: str) -> NoReturn:
    raise StatementError(path, rule)


def _object(value: object, path: str) -> JSONObject:
    if type(value) is not dict:
        _fail(path, "must be a JSON object")
    return value


def _array(value: object, path: str) -> list[object]:
    if type(value) is not list:
        _fail(path, "must be an array")
    return value


def _allowed_keys(obj: JSONObject, allowed: frozenset[str], path: str) -> None:
    if obj.keys() <= allowed:
        return
    for key in obj:
        if key not in allowed:
            _fail(_key_path(path, key), "is not an allowed property (names are case sensitive)")


def _field(
    obj: JSONObject,
    key: str,
    path: str,
    is_valid: Callable[[object], bool],
    rule: str,
    required: bool = False,
) -> None:
    """Check ``obj[key]`` with ``is_valid`` if present (null is present, and invalid)."""
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        if required:
            _fail(f"{path}.{key}", "is required")
    elif not is_valid(value):
        _fail(f"{path}.{key}", rule)


def _number_field(obj: JSONObject, key: str, path: str) -> float | None:
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        _fail(f"{path}.{key}", _RULE_NUMBER)
    return value


def _key_path(path: str, key: str) -> str:
    """The path of a member: ``$.a.b`` for plain names, ``$.a["en-US"]`` for others."""
    if key.isidentifier() and key.isascii():
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key)}]"


def _remember(cache: set[str], value: str) -> None:
    if len(value) > _CACHEABLE_LENGTH:
        return
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache.add(value)


def _day_exists(year: int, month: int, day: int) -> bool:
    if month == 2 and day == 29:
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= _DAYS_IN_MONTH[month]


def _subtags_unique(tag: str) -> bool:
    """RFC 5646 2.2.5-2.2.6: a variant or an extension singleton may appear only once."""
    subtags = tag.lower().split("-")
    if len(subtags) < 3:
        return True
    seen: set[str] = set()
    in_extensions = False
    for subtag in subtags[1:]:
        if subtag == "x":
            break
        if len(subtag) == 1:
            in_extensions = True
        elif in_extensions or not (len(subtag) >= 5 or subtag[0].isdigit() and len(subtag) == 4):
            continue
        if subtag in seen:
            return False
        seen.add(subtag)
    return True


def _is_string(value: object) -> bool:
    return type(value) is str


def _is_bool(value: object) -> bool:
    return type(value) is bool


def _is_version(value: object) -> bool:
    return type(value) is str and _VERSION_RE.fullmatch(value) is not None


def _is_media_type(value: object) -> bool:
    return type(value) is str and _MEDIA_TYPE_RE.fullmatch(value) is not None


def _is_length(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_sha2(value: object) -> bool:
    return (
        type(value) is str
        and len(value) in _SHA2_HEX_LENGTHS
        and _HEX_RE.fullmatch(value) is not None
    )
