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
* 2.6 Signed Statements: a signature Attachment's contentType (the JWS itself is checked
  where the attachment parts are, not here).
* 4.1 Extensions, 4.2 Language Maps, 4.4 UUIDs, 4.5 ISO 8601 Timestamps, 4.6 ISO 8601
  Durations; xAPI-Communication.md 3.3 for the version format.

Where the spec leaves latitude, the ADL LRS conformance test suite (test/v1_0_3) decides what
is rejected: e.g. an authority Group must be anonymous with exactly two members, "-00:00"
offsets are rejected, a ``version`` of "1.0" is accepted.

Design, for the ingest hot path: each object kind has a schema table (at the end of the
module) mapping every allowed property to a check. One pass over the properties present
both rejects unknown keys and checks values, so absent optional properties cost nothing;
rules spanning properties (required ones, score ranges, IFI counts…) follow the pass. A
check receives the value, the path of the object holding it and its key, so that paths are
only built for errors and nested objects. Valid IRIs and language tags recur across
statements and are cached. Only :class:`StatementError` is ever raised.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Final, NoReturn

from learnsight.xapi.errors import StatementError

__all__ = [
    "SIGNATURE_USAGE_TYPE",
    "VOIDED_VERB",
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
# A property check: (value, path of the object holding it, key). Raises StatementError.
Check = Callable[[object, str, str], None]

VOIDED_VERB: Final = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE_TYPE: Final = "http://adlnet.gov/expapi/attachments/signature"

_IFI_KEYS: Final = ("mbox", "mbox_sha1sum", "openid", "account")
_INTERACTION_KEYS: Final = frozenset(
    {"interactionType", "correctResponsesPattern", "choices", "scale", "source", "target", "steps"}
)
_ATTACHMENT_REQUIRED: Final = ("usageType", "display", "contentType", "length", "sha2")

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
# an optional offset (4.5.s1.b4 says SHOULD include one). Day-of-month, edge years and "-00"
# offsets are checked in code (capture groups would make the match twice as slow).
_TIMESTAMP_RE: Final = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.,][0-9]+)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?"
)
_NEGATIVE_ZERO_OFFSETS: Final = ("-00", "-0000", "-00:00")
# Years where a timestamp may have no datetime, or none once moved to UTC (year 0, 10000).
_EDGE_YEARS: Final = frozenset({"0000", "0001", "9999"})
_MONTHS_OF_31_DAYS: Final = frozenset({"01", "03", "05", "07", "08", "10", "12"})
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

# RFC 5646 2.1 ABNF, case-insensitive. Repeated variants/singletons are checked in code.
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
    [
        "en-gb-oed",
        "i-ami",
        "i-bnn",
        "i-default",
        "i-enochian",
        "i-hak",
        "i-klingon",
        "i-lux",
        "i-mingo",
        "i-navajo",
        "i-pwn",
        "i-tao",
        "i-tay",
        "i-tsu",
        "sgn-be-fr",
        "sgn-be-nl",
        "sgn-ch-de",
        "art-lojban",
        "cel-gaulish",
        "no-bok",
        "no-nyn",
        "zh-guoyu",
        "zh-hakka",
        "zh-min",
        "zh-min-nan",
        "zh-xiang",
    ]
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
_RULE_OBJECT: Final = "must be a JSON object"


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
    ``datetime.fromisoformat`` (Python >= 3.11) and converts to UTC; one without an offset
    parses as naive.
    """
    if type(value) is not str or _TIMESTAMP_RE.fullmatch(value) is None:
        return False
    # A time never ends in "-00" otherwise: the offset is the only "-" after the date.
    if value.endswith(_NEGATIVE_ZERO_OFFSETS):
        return False
    if value[:4] in _EDGE_YEARS and not _converts_to_utc(value):
        return False
    day = value[8:10]
    if day <= "28":  # two-digit strings compare like numbers; every month has a 28th
        return True
    month = value[5:7]
    if month == "02":
        return day == "29" and _is_leap_year(int(value[:4]))
    return day != "31" or month in _MONTHS_OF_31_DAYS


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
    obj = _check_properties(statement, _STATEMENT, path)
    _check_body(obj, path, in_substatement=False)


# --- Statements ---


def _check_body(obj: JSONObject, path: str, in_substatement: bool) -> None:
    """What a Statement and a SubStatement share, once their schema pass is done (2.4)."""
    for key in ("actor", "verb", "object"):
        if key not in obj:
            _fail(f"{path}.{key}", "is required")
    validate_agent(obj["actor"], f"{path}.actor")
    verb_id = _check_verb(obj["verb"], f"{path}.verb")
    object_type = _check_object(obj["object"], f"{path}.object", in_substatement)
    if "context" in obj:
        _check_context(obj["context"], f"{path}.context", object_type == "Activity")
    if verb_id == VOIDED_VERB and object_type != "StatementRef":
        # 2.3.2.s2.b1: a voiding Statement's Object is the StatementRef it voids.
        _fail(f"{path}.object.objectType", 'must be "StatementRef" when the verb is voided')


def _check_verb(value: object, path: str) -> str:
    """A Verb (2.4.3); returns its id."""
    return str(_check_properties(value, _VERB, path, required=("id",))["id"])


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
        if in_substatement:  # 2.4.4.3.s8.b4
            _fail(f"{path}.objectType", "a SubStatement cannot contain a SubStatement")
        _check_properties(obj, _SUBSTATEMENT, path)
        _check_body(obj, path, in_substatement=True)
    else:
        _fail(
            f"{path}.objectType",
            'must be "Activity", "Agent", "Group", "StatementRef" or "SubStatement"',
        )
    return str(object_type)


def _check_statement_ref(value: object, path: str) -> None:
    """A Statement Reference (2.4.4.3.s4): objectType "StatementRef" and a UUID id."""
    obj = _check_properties(value, _STATEMENT_REF, path, required=("id",))
    if obj.get("objectType") != "StatementRef":
        _fail(f"{path}.objectType", 'must be "StatementRef"')


def _not_in_substatement(value: object, path: str, key: str) -> None:
    """2.4.4.3.s8.b3: a SubStatement has no id, stored, version or authority."""
    _fail(f"{path}.{key}", "is not allowed in a SubStatement")


def _authority(value: object, path: str, key: str) -> None:
    """An authority (2.4.9.s3.b1): an Agent, or for 3-legged OAuth an anonymous Group of two."""
    path = f"{path}.{key}"
    validate_agent(value, path)
    obj = _object(value, path)
    if obj.get("objectType") != "Group":
        return
    for ifi in _IFI_KEYS:
        if ifi in obj:
            _fail(f"{path}.{ifi}", "an authority Group must be anonymous (3-legged OAuth)")
    members = obj["member"]
    if type(members) is list and len(members) != 2:
        _fail(f"{path}.member", "an authority Group must have exactly two Agents")


# --- Agents and Groups ---


def _check_agent(obj: JSONObject, path: str) -> None:
    """An Agent (2.4.2.1): an optional name and exactly one Inverse Functional Identifier."""
    _check_properties(obj, _AGENT, path)
    if _count_ifis(obj) != 1:
        _fail(path, "an Agent must have exactly one of mbox, mbox_sha1sum, openid, account")


def _check_group(obj: JSONObject, path: str) -> None:
    """A Group (2.4.2.2): identified (one IFI) or anonymous (no IFI, members required)."""
    _check_properties(obj, _GROUP, path)
    identifiers = _count_ifis(obj)
    if identifiers > 1:
        _fail(path, "a Group must have at most one of mbox, mbox_sha1sum, openid, account")
    if "member" not in obj:
        if identifiers == 0:
            _fail(f"{path}.member", "is required for an anonymous Group")
        return
    members = _array(obj["member"], f"{path}.member")
    if identifiers == 0 and not members:
        _fail(f"{path}.member", "an anonymous Group must list at least one Agent")
    for index, member in enumerate(members):
        member_path = f"{path}.member[{index}]"
        member_obj = _object(member, member_path)
        if member_obj.get("objectType", "Agent") != "Agent":
            _fail(f"{member_path}.objectType", 'a Group member must be an "Agent"')
        _check_agent(member_obj, member_path)


def _count_ifis(obj: JSONObject) -> int:
    """How many Inverse Functional Identifiers (2.4.2.3); their values have been checked."""
    return ("mbox" in obj) + ("mbox_sha1sum" in obj) + ("openid" in obj) + ("account" in obj)


def _agent(value: object, path: str, key: str) -> None:
    validate_agent(value, f"{path}.{key}")


def _mbox(value: object, path: str, key: str) -> None:
    if type(value) is not str or _MBOX_RE.fullmatch(value) is None:
        _fail(f"{path}.{key}", 'must be "mailto:" followed by an email address')


def _mbox_sha1sum(value: object, path: str, key: str) -> None:
    if type(value) is not str or _SHA1_RE.fullmatch(value) is None:
        _fail(f"{path}.{key}", "must be a hex-encoded SHA-1 hash (40 digits)")


def _account(value: object, path: str, key: str) -> None:
    """An Account (2.4.2.4): homePage IRL and name, both required."""
    path = f"{path}.{key}"
    _check_properties(value, _ACCOUNT, path, required=("homePage", "name"))


# --- Activities ---


def _check_activity(value: object, path: str) -> None:
    """An Activity (2.4.4.1): objectType "Activity" or absent, an IRI id, a Definition."""
    if type(value) is dict and value.get("objectType", "Activity") != "Activity":
        _fail(f"{path}.objectType", 'must be "Activity"')
    _check_properties(value, _ACTIVITY, path, required=("id",))


def _definition(value: object, path: str, key: str) -> None:
    """An Activity Definition (2.4.4.1.s2), with interaction properties if any."""
    path = f"{path}.{key}"
    obj = _check_properties(value, _DEFINITION, path)
    if not obj.keys().isdisjoint(_INTERACTION_KEYS):
        _check_interaction(obj, path)


def _check_interaction(obj: JSONObject, path: str) -> None:
    """Interaction Activity properties (2.4.4.1.s8, s13, s15).

    Any of correctResponsesPattern or the component lists requires a valid interactionType
    (conformance suite XAPI-00064), and each list is allowed only for its interactionTypes.
    """
    interaction_type = obj.get("interactionType")
    if "interactionType" not in obj:
        _fail(f"{path}.interactionType", "is required by the interaction properties present")
    allowed = None
    if type(interaction_type) is str:
        allowed = _COMPONENT_LISTS_BY_TYPE.get(interaction_type)
    if allowed is None:
        _fail(f"{path}.interactionType", "must be one of " + ", ".join(_COMPONENT_LISTS_BY_TYPE))
    for key in _COMPONENT_LISTS:
        if key in obj and key not in allowed:
            _fail(f"{path}.{key}", f'is not allowed for interactionType "{interaction_type}"')


def _response_patterns(value: object, path: str, key: str) -> None:
    """correctResponsesPattern (2.4.4.1.s8): an array of strings."""
    path = f"{path}.{key}"
    for index, pattern in enumerate(_array(value, path)):
        if type(pattern) is not str:
            _fail(f"{path}[{index}]", _RULE_STRING)


def _components(value: object, path: str, key: str) -> None:
    """An interaction component list (2.4.4.1.s15, s16): objects with distinct string ids."""
    path = f"{path}.{key}"
    seen: set[str] = set()
    for index, item in enumerate(_array(value, path)):
        item_path = f"{path}[{index}]"
        component = _check_properties(item, _COMPONENT, item_path, required=("id",))
        component_id = str(component["id"])
        if component_id in seen:
            _fail(f"{item_path}.id", "must be distinct within the list")
        seen.add(component_id)


# --- Result and Context ---


def _result(value: object, path: str, key: str) -> None:
    """A Result (2.4.5)."""
    path = f"{path}.{key}"
    _check_properties(value, _RESULT, path)


def _score(value: object, path: str, key: str) -> None:
    """A Score (2.4.5.1): -1 <= scaled <= 1, min < max, min <= raw <= max."""
    path = f"{path}.{key}"
    obj = _check_properties(value, _SCORE, path)  # all four are numbers from here on
    scaled, raw, minimum, maximum = (_as_number(obj, k) for k in ("scaled", "raw", "min", "max"))
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
    obj = _check_properties(value, _CONTEXT, path)
    if not object_is_activity:  # 2.4.6.s4.b1, b2
        for key in ("revision", "platform"):
            if key in obj:
                _fail(f"{path}.{key}", "is allowed only when the Statement's object is an Activity")


def _team(value: object, path: str, key: str) -> None:
    """A context team, which must be a Group (2.4.6.s3 table row 3)."""
    path = f"{path}.{key}"
    if _object(value, path).get("objectType") != "Group":
        _fail(f"{path}.objectType", 'must be "Group"')
    validate_agent(value, path)


def _context_statement(value: object, path: str, key: str) -> None:
    _check_statement_ref(value, f"{path}.{key}")


def _context_activities(value: object, path: str, key: str) -> None:
    """contextActivities (2.4.6.2.s4): parent, grouping, category and other only."""
    path = f"{path}.{key}"
    _check_properties(value, _CONTEXT_ACTIVITIES, path)


def _activities(value: object, path: str, key: str) -> None:
    """A contextActivities value: an Activity or an array of Activities (2.4.6.2.s4.b2)."""
    path = f"{path}.{key}"
    if type(value) is not list:
        _check_activity(value, path)
        return
    for index, activity in enumerate(value):
        _check_activity(activity, f"{path}[{index}]")


# --- Attachments, language maps, extensions ---


def _attachments(value: object, path: str, key: str) -> None:
    """Attachments (2.4.11): an array of Attachment objects."""
    path = f"{path}.{key}"
    for index, item in enumerate(_array(value, path)):
        item_path = f"{path}[{index}]"
        obj = _check_properties(item, _ATTACHMENT, item_path, required=_ATTACHMENT_REQUIRED)
        if obj["usageType"] == SIGNATURE_USAGE_TYPE:
            # 2.6.s4.b1: a signature is a JWS sent as application/octet-stream.
            media_type = str(obj["contentType"]).split(";", 1)[0].strip().lower()
            if media_type != "application/octet-stream":
                _fail(
                    f"{item_path}.contentType", 'must be "application/octet-stream" for a signature'
                )


def _language_map(value: object, path: str, key: str) -> None:
    """A Language Map (4.2): RFC 5646 tags mapped to strings."""
    if type(value) is not dict:  # _object() inlined, not to build the path on every call
        _fail(f"{path}.{key}", _RULE_OBJECT)
    for tag, text in value.items():
        # The cache lookup inlined: this runs for every display, name and description.
        if tag not in _LANGUAGE_TAG_CACHE and not is_language_tag(tag):
            _fail(_key_path(f"{path}.{key}", tag), "key must be an RFC 5646 language tag")
        if type(text) is not str:
            _fail(_key_path(f"{path}.{key}", tag), _RULE_STRING)


def _extensions(value: object, path: str, key: str) -> None:
    """Extensions (4.1): IRI keys; any values, null included (4.1.s3.b2, 2.2.s4.b1.b1)."""
    if type(value) is not dict:
        _fail(f"{path}.{key}", _RULE_OBJECT)
    for name in value:
        if name not in _IRI_CACHE and not is_iri(name):
            _fail(_key_path(f"{path}.{key}", name), "key must be an absolute IRI (with a scheme)")


# --- Generic checks ---


def _check_properties(
    value: object, schema: Mapping[str, Check], path: str, required: tuple[str, ...] = ()
) -> JSONObject:
    """Check that ``value`` is an object whose properties all pass ``schema``; return it.

    Keys the schema lacks are not allowed (2.2.s4.b1.b5, b7: wrong case, unknown property).
    """
    if type(value) is not dict:
        _fail(path, _RULE_OBJECT)
    for key, item in value.items():
        check = schema.get(key)
        if check is None:
            _fail(_key_path(path, key), "is not an allowed property (names are case sensitive)")
        check(item, path, key)
    for key in required:
        if key not in value:
            _fail(f"{path}.{key}", "is required")
    return value


def _fail(path: str, rule: str) -> NoReturn:
    raise StatementError(path, rule)


def _object(value: object, path: str) -> JSONObject:
    if type(value) is not dict:
        _fail(path, _RULE_OBJECT)
    return value


def _array(value: object, path: str) -> list[object]:
    if type(value) is not list:
        _fail(path, "must be an array")
    return value


def _leaf(is_valid: Callable[[object], bool], rule: str) -> Check:
    """A check of a scalar property; ``null`` fails it like any wrong type (2.2.s4.b1.b1)."""

    def check(value: object, path: str, key: str) -> None:
        if not is_valid(value):
            _fail(f"{path}.{key}", rule)

    return check


def _iri(value: object, path: str, key: str) -> None:
    # is_iri with its cache lookup inlined: verb, activity and type ids are on every statement.
    if type(value) is not str or (value not in _IRI_CACHE and not is_iri(value)):
        _fail(f"{path}.{key}", _RULE_IRI)


def _string(value: object, path: str, key: str) -> None:
    if type(value) is not str:
        _fail(f"{path}.{key}", _RULE_STRING)


def _skip(value: object, path: str, key: str) -> None:
    """For properties checked after the schema pass, by the function owning the schema."""


def _as_number(obj: JSONObject, key: str) -> float | None:
    value = obj.get(key)
    return value if isinstance(value, int | float) else None


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


def _converts_to_utc(value: str) -> bool:
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return False
    return True


def _is_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


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
        elif in_extensions or not (len(subtag) >= 5 or (subtag[0].isdigit() and len(subtag) == 4)):
            continue
        if subtag in seen:
            return False
        seen.add(subtag)
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


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


# --- Schemas: every property each object may have, and its check (2.2.s4.b1.b5, b7) ---

_uuid: Final = _leaf(is_uuid, _RULE_UUID)
_timestamp: Final = _leaf(is_timestamp, _RULE_TIMESTAMP)
_irl: Final = _leaf(is_iri, _RULE_IRL)
_boolean: Final = _leaf(lambda value: type(value) is bool, "must be a boolean")
_number: Final = _leaf(_is_number, "must be a number")

_STATEMENT: Final[Mapping[str, Check]] = {
    "id": _uuid,
    "actor": _skip,  # actor, verb, object and context: _check_body
    "verb": _skip,
    "object": _skip,
    "result": _result,
    "context": _skip,
    "timestamp": _timestamp,
    "stored": _timestamp,
    "authority": _authority,
    "version": _leaf(_is_version, 'must be "1.0" or a 1.0.x version'),
    "attachments": _attachments,
}
_SUBSTATEMENT: Final[Mapping[str, Check]] = {
    **_STATEMENT,
    "objectType": _skip,  # "SubStatement", or it would not be here
    "id": _not_in_substatement,
    "stored": _not_in_substatement,
    "version": _not_in_substatement,
    "authority": _not_in_substatement,
}
_AGENT: Final[Mapping[str, Check]] = {
    "objectType": _skip,  # "Agent" or absent, checked by the caller
    "name": _string,
    "mbox": _mbox,
    "mbox_sha1sum": _mbox_sha1sum,
    "openid": _leaf(is_iri, "must be an absolute URI"),
    "account": _account,
}
_GROUP: Final[Mapping[str, Check]] = {**_AGENT, "member": _skip}  # members: _check_group
_ACCOUNT: Final[Mapping[str, Check]] = {"homePage": _irl, "name": _string}
_VERB: Final[Mapping[str, Check]] = {"id": _iri, "display": _language_map}
_ACTIVITY: Final[Mapping[str, Check]] = {
    "objectType": _skip,  # "Activity" or absent, checked by the caller
    "id": _iri,
    "definition": _definition,
}
_DEFINITION: Final[Mapping[str, Check]] = {
    "name": _language_map,
    "description": _language_map,
    "type": _iri,
    "moreInfo": _irl,
    "extensions": _extensions,
    "interactionType": _skip,  # the interaction properties' rules: _check_interaction
    "correctResponsesPattern": _response_patterns,
    **dict.fromkeys(_COMPONENT_LISTS, _components),
}
_COMPONENT: Final[Mapping[str, Check]] = {"id": _string, "description": _language_map}
_STATEMENT_REF: Final[Mapping[str, Check]] = {"objectType": _skip, "id": _uuid}
_RESULT: Final[Mapping[str, Check]] = {
    "score": _score,
    "success": _boolean,
    "completion": _boolean,
    "response": _string,
    "duration": _leaf(is_duration, "must be an ISO 8601 duration, e.g. PT1H30M5.2S"),
    "extensions": _extensions,
}
_SCORE: Final[Mapping[str, Check]] = dict.fromkeys(("scaled", "raw", "min", "max"), _number)
_CONTEXT: Final[Mapping[str, Check]] = {
    "registration": _uuid,
    "instructor": _agent,
    "team": _team,
    "contextActivities": _context_activities,
    "revision": _string,
    "platform": _string,
    "language": _leaf(is_language_tag, "must be an RFC 5646 language tag"),
    "statement": _context_statement,
    "extensions": _extensions,
}
_CONTEXT_ACTIVITIES: Final[Mapping[str, Check]] = dict.fromkeys(
    ("parent", "grouping", "category", "other"), _activities
)
_ATTACHMENT: Final[Mapping[str, Check]] = {
    "usageType": _iri,
    "display": _language_map,
    "description": _language_map,
    "contentType": _leaf(_is_media_type, "must be an Internet Media Type"),
    "length": _leaf(_is_length, "must be a non-negative integer"),
    "sha2": _leaf(_is_sha2, "must be a hex-encoded SHA-2 hash"),
    "fileUrl": _irl,
}
