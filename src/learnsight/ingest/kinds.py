"""The kinds of business data Learnsight imports: each kind's table, fields and natural key.

A field's type says how a source value is parsed and checked (ingest/rules.py turns it into SQL).
A kind whose natural key a source may lack (`derived_key`) gets it as a hash of other fields, so
re-importing the same rows finds them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FieldType(Enum):
    TEXT = "text"
    EMAIL = "email"  # lower-cased; must look like local@domain.tld
    DATE = "date"
    TIMESTAMP = "timestamp"  # without an offset: UTC
    INTEGER = "integer"
    DECIMAL = "decimal"  # money: 2 decimals
    NUMBER = "number"
    COUNTRY = "country"  # ISO 3166-1 alpha-2, upper-cased
    CURRENCY = "currency"  # ISO 4217 alpha code, upper-cased
    TIMEZONE = "timezone"  # IANA name
    LIST = "list"  # separated by ; or , (or a JSON array)
    JSON = "json"
    CHOICE = "choice"  # one of Field.choices (matched without regard to case)


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str | None = None  # stored when the source has no value
    doc: str = ""


@dataclass(frozen=True)
class Kind:
    name: str  # as on the command line: `learnsight import NAME PATH`
    table: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # the natural key: the table's primary key
    derived_key: tuple[str, ...] = ()  # hashed into the key when the source has none
    doc: str = ""

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


T = FieldType
SEGMENTS = ("SMB", "mid-market", "enterprise")
REVENUE_KINDS = ("new", "renewal", "upsell", "contraction", "churn")
SURVEY_KINDS = ("csat", "nps", "ces", "smile_sheet")
CONTENT_TYPES = (
    "video", "screencast", "infographic", "pdf", "slides", "quiz", "ilt", "vilt", "lab",
    "article", "scorm", "assessment", "other",
)  # fmt: skip
CATALOG_KINDS = ("course", "path", "item")  # item: a material or assessment in a course

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "accounts",
            "accounts",
            (
                Field("id", required=True),
                Field("name", required=True),
                Field("domains", T.LIST, doc="e-mail/web domains, e.g. acme.com"),
                Field("segment", T.CHOICE, choices=SEGMENTS),
                Field("industry"),
                Field("country", T.COUNTRY),
                Field("seats", T.INTEGER),
                Field("arr", T.DECIMAL, doc="annual recurring revenue"),
                Field("currency", T.CURRENCY),
                Field("contract_start", T.DATE),
                Field("renewal_date", T.DATE),
                Field("churned_at", T.DATE),
                Field("owner"),
            ),
            key=("id",),
            doc="CRM accounts (companies that buy the product).",
        ),
        Kind(
            "contacts",
            "contacts",
            (
                Field("id", doc="defaults to the e-mail address"),
                Field("account_id"),
                Field("email", T.EMAIL),
                Field("name"),
                Field("role"),
                Field("country", T.COUNTRY),
                Field("region"),
                Field("timezone", T.TIMEZONE),
                Field("created_at", T.TIMESTAMP),
                Field("crm_id"),
                Field("helpdesk_id"),
                Field("product_id"),
                Field("lms_id"),
            ),
            key=("id",),
            derived_key=("email",),
            doc="People at accounts: learners, ticket requesters, product users.",
        ),
        Kind(
            "revenue",
            "revenue_events",
            (
                Field("id"),
                Field("account_id", required=True),
                Field("date", T.DATE, required=True),
                Field("kind", T.CHOICE, required=True, choices=REVENUE_KINDS),
                Field("amount", T.DECIMAL, required=True),
                Field("currency", T.CURRENCY),
            ),
            key=("id",),
            derived_key=("account_id", "date", "kind", "amount", "currency"),
            doc="Revenue events: new business, renewals, upsells, contractions, churn.",
        ),
        Kind(
            "tickets",
            "tickets",
            (
                Field("id", required=True),
                Field("account_id"),
                Field("requester_email", T.EMAIL),
                Field("created_at", T.TIMESTAMP, required=True),
                Field("solved_at", T.TIMESTAMP),
                Field("topic"),
                Field("tags", T.LIST),
                Field("channel"),
                Field("priority"),
            ),
            key=("id",),
            doc="Support tickets.",
        ),
        Kind(
            "events",
            "product_events",
            (
                Field("message_id"),
                Field("user_id"),
                Field("email", T.EMAIL),
                Field("account_id"),
                Field("event", required=True),
                Field("timestamp", T.TIMESTAMP, required=True),
                Field("properties", T.JSON),
            ),
            key=("message_id",),
            derived_key=("user_id", "email", "event", "timestamp", "properties"),
            doc="Product-usage events (one row per event a user did).",
        ),
        Kind(
            "surveys",
            "surveys",
            (
                Field("id"),
                Field("respondent", required=True, doc="e-mail or contact id"),
                Field("account_id"),
                Field("kind", T.CHOICE, required=True, choices=SURVEY_KINDS),
                Field("score", T.NUMBER, required=True),
                Field("comment"),
                Field("timestamp", T.TIMESTAMP, required=True),
                Field("course_id"),
            ),
            key=("id",),
            derived_key=("respondent", "kind", "timestamp", "course_id"),
            doc="Survey answers: CSAT (1-5), NPS (0-10), CES (1-7), smile sheets (1-5).",
        ),
        Kind(
            "costs",
            "costs",
            (
                Field("period_start", T.DATE, required=True),
                Field("period_end", T.DATE, required=True, doc="the period's last day"),
                Field("category", required=True),
                Field("amount", T.DECIMAL, required=True),
                Field("currency", T.CURRENCY),
            ),
            key=("period_start", "period_end", "category"),
            doc="What the training programme cost, per period and category.",
        ),
        Kind(
            "fx-rates",
            "fx_rates",
            (
                Field("date", T.DATE, required=True),
                Field("currency", T.CURRENCY, required=True),
                Field(
                    "rate",
                    T.NUMBER,
                    required=True,
                    doc="reporting-currency units for one unit of currency",
                ),
            ),
            key=("date", "currency"),
            doc="Exchange rates to the reporting currency.",
        ),
        Kind(
            "catalog",
            "catalog",
            (
                Field("id", required=True, doc="the activity IRI"),
                Field("kind", T.CHOICE, choices=CATALOG_KINDS, default="course"),
                Field("name"),
                Field("content_type", T.CHOICE, choices=CONTENT_TYPES),
                Field("created_at", T.TIMESTAMP),
                Field("updated_at", T.TIMESTAMP),
                Field("paths", T.LIST),
                Field("features", T.LIST),
                Field("ticket_topics", T.LIST),
            ),
            key=("id",),
            doc="Courses and learning paths.",
        ),
    )
}

# An LMS export whose rows become xAPI statements (ingest/enrolments.py), mapped like a table.
ENROLMENTS = Kind(
    "enrolments", "statements",
    (
        Field("email", T.EMAIL, required=True, doc="the learner's e-mail address"),
        Field("course", required=True, doc="the course: its catalog id or name, or an IRI"),
        Field("enrolled_at", T.TIMESTAMP, required=True),
        Field("completed_at", T.TIMESTAMP, doc="blank while not completed"),
        Field("score", T.NUMBER, doc="0 to 100; counts only with a completion"),
    ),
    key=("email", "course", "enrolled_at"),
    doc="An LMS enrolments/completions export, stored as xAPI statements.",
)  # fmt: skip

# Kinds a column mapping applies to.
MAPPABLE_KINDS = {**KINDS, ENROLMENTS.name: ENROLMENTS}

# Kinds whose rows become xAPI statements rather than table rows (their own modules).
STATEMENT_KINDS = ("enrolments", "oulad")
ALL_KINDS = (*KINDS, *STATEMENT_KINDS)
