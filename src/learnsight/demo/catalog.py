"""The demo vendor's product and academy: features, value events, ticket topics, courses, paths.

The vendor, Orbitly, sells an analytics platform. Its academy teaches the platform's features
(product event names) and addresses support-ticket topics; those two mappings are what lets
Learnsight relate training to adoption and tickets, and what the demo's effects act through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ACADEMY = "https://academy.orbitly.example"
VENDOR_DOMAIN = "orbitly.example"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"


@dataclass(frozen=True)
class Feature:
    event: str  # the product event name that means "used this feature"
    roles: frozenset[str]  # who uses it
    adoption: float  # a user's chance per month of starting to use it, untrained
    uses: float  # events per month once adopted


FEATURES: tuple[Feature, ...] = tuple(
    Feature(event, frozenset(roles.split(",")), adoption, uses)
    for event, roles, adoption, uses in (
        ("Dashboard Created", "end user,admin,manager", 0.25, 0.3),
        ("Chart Added", "end user", 0.25, 0.48),
        ("Filter Applied", "end user,manager", 0.30, 0.6),
        ("Report Built", "end user", 0.15, 0.42),
        ("Report Exported", "end user,manager", 0.12, 0.3),
        ("Alert Created", "end user,admin", 0.05, 0.18),
        ("Data Source Connected", "admin,developer", 0.12, 0.18),
        ("Integration Enabled", "admin,developer", 0.07, 0.12),
        ("API Key Created", "developer", 0.10, 0.12),
        ("Webhook Configured", "developer", 0.05, 0.18),
        ("Pipeline Scheduled", "developer", 0.05, 0.3),
        ("User Invited", "admin", 0.25, 0.3),
        ("Role Assigned", "admin", 0.08, 0.18),
        ("SSO Configured", "admin", 0.04, 0.06),
        ("Workspace Created", "admin,manager", 0.08, 0.09),
    )
)
FEATURE_BY_EVENT = {feature.event: feature for feature in FEATURES}
# Reaching value: sharing a dashboard or scheduling a report. They are not taught features:
# the account-level time-to-value model drives them (docs/demo.md).
VALUE_EVENTS = ("Dashboard Shared", "Report Scheduled")
SIGN_IN = "Signed In"
PRODUCT_ROLES = frozenset({"admin", "end user", "developer", "manager"})

# Support-ticket topics and their share of tickets. The last three no course addresses: they
# are the untouched comparison for the topics training deflects.
TICKET_TOPICS: tuple[tuple[str, float], ...] = (
    ("login-sso", 8), ("user-management", 8), ("permissions", 7), ("data-import", 12),
    ("connectors", 9), ("dashboards", 12), ("reports", 10), ("alerts", 5), ("api", 7),
    ("webhooks", 4), ("billing", 8), ("performance", 5), ("bug", 5),
)  # fmt: skip


@dataclass(frozen=True)
class Path:
    slug: str
    name: str
    roles: frozenset[str]  # who it is meant for
    created: date
    updated: date

    @property
    def iri(self) -> str:
        return f"{ACADEMY}/paths/{self.slug}"


@dataclass(frozen=True)
class Course:
    slug: str
    name: str
    content_type: str  # one of ingest.kinds.CONTENT_TYPES
    paths: tuple[str, ...]  # path slugs, in whose order the course comes
    features: tuple[str, ...]
    topics: tuple[str, ...]
    created: date
    updated: date
    quality: float  # mean smile-sheet rating, 1-5

    @property
    def iri(self) -> str:
        return f"{ACADEMY}/courses/{self.slug}"

    @property
    def shape(self) -> Shape:
        return SHAPES[self.content_type]


@dataclass(frozen=True)
class Shape:
    """How a content type is consumed: what a learner goes through and how often they quit."""

    activity_type: str  # of its modules
    modules: int
    module_minutes: int
    questions: int  # of its quiz; 0 for none
    pass_mark: float  # scaled score needed to pass the quiz
    dropout: float  # chance a learner abandons it part-way
    session: bool = False  # a scheduled class (ILT/VILT) rather than self-paced


VIDEO = "https://w3id.org/xapi/video/activity-type/video"
DOCUMENT = "http://id.tincanapi.com/activitytype/document"
ADL = "http://adlnet.gov/expapi/activities/"
SHAPES: dict[str, Shape] = {
    "video": Shape(VIDEO, 4, 7, 5, 0.7, 0.25),
    "screencast": Shape(VIDEO, 3, 6, 5, 0.7, 0.2),
    "infographic": Shape(DOCUMENT, 1, 3, 0, 0.0, 0.08),
    "pdf": Shape(DOCUMENT, 1, 10, 0, 0.0, 0.3),
    "slides": Shape("http://id.tincanapi.com/activitytype/slide-deck", 2, 12, 5, 0.7, 0.28),
    "article": Shape("http://activitystrea.ms/schema/1.0/article", 1, 6, 0, 0.0, 0.15),
    "scorm": Shape(ADL + "module", 4, 8, 5, 0.7, 0.35),
    "lab": Shape(ADL + "simulation", 3, 15, 0, 0.0, 0.4),
    "quiz": Shape(ADL + "assessment", 0, 0, 8, 0.7, 0.15),
    "assessment": Shape(ADL + "assessment", 0, 0, 15, 0.8, 0.3),
    "ilt": Shape(ADL + "meeting", 0, 240, 0, 0.0, 0.15, session=True),
    "vilt": Shape(ADL + "meeting", 0, 90, 0, 0.0, 0.25, session=True),
}
QUIZ_TYPE = ADL + "assessment"
QUESTION_TYPE = ADL + "cmi.interaction"


def _d(text: str) -> date:
    return date.fromisoformat(text)


PATHS: tuple[Path, ...] = (
    Path("foundations", "Orbitly Foundations", frozenset({"admin", "end user", "manager"}),
         _d("2022-03-01"), _d("2025-02-10")),
    Path("analyst", "Analyst Track", frozenset({"end user"}), _d("2022-05-16"), _d("2024-11-04")),
    Path("developer", "Developer Track", frozenset({"developer"}), _d("2022-09-12"),
         _d("2025-05-20")),
    Path("admin", "Administrator Certification", frozenset({"admin"}), _d("2023-01-23"),
         _d("2024-08-26")),
    Path("leader", "Leading with Orbitly", frozenset({"manager", "executive"}), _d("2023-06-05"),
         _d("2025-01-13")),
)  # fmt: skip
PATH_BY_SLUG = {path.slug: path for path in PATHS}

COURSES: tuple[Course, ...] = tuple(
    Course(slug, name, kind, tuple(p for p in paths.split(",") if p),
           tuple(f for f in features.split(",") if f), tuple(t for t in topics.split(",") if t),
           _d(created), _d(updated), quality)
    for slug, name, kind, paths, features, topics, created, updated, quality in (
        ("getting-started", "Getting Started with Orbitly", "video", "foundations",
         "Dashboard Created,Workspace Created", "dashboards", "2022-03-01", "2025-02-10", 4.4),
        ("navigating-workspace", "Navigating Your Workspace", "screencast", "foundations",
         "Filter Applied", "dashboards", "2022-03-01", "2024-04-15", 4.1),
        ("orbitly-at-a-glance", "Orbitly at a Glance", "infographic", "foundations",
         "", "", "2022-04-11", "2024-10-07", 3.9),
        ("foundations-check", "Foundations Knowledge Check", "quiz", "foundations",
         "", "", "2022-04-11", "2024-02-19", 3.8),
        ("dashboards-101", "Dashboards 101", "video", "analyst",
         "Dashboard Created,Chart Added", "dashboards", "2022-05-16", "2024-11-04", 4.5),
        ("building-reports", "Building Reports", "screencast", "analyst",
         "Report Built,Report Exported", "reports", "2022-05-16", "2025-03-24", 4.2),
        ("filters-cheat-sheet", "Filters Cheat Sheet", "pdf", "analyst",
         "Filter Applied", "dashboards", "2022-06-20", "2023-09-04", 3.7),
        ("alerts-that-matter", "Alerts That Matter", "article", "analyst",
         "Alert Created", "alerts", "2023-02-06", "2025-06-09", 4.0),
        ("analyst-workshop", "Analyst Live Workshop", "vilt", "analyst",
         "Chart Added,Report Built", "reports,dashboards", "2023-03-13", "2025-01-27", 4.6),
        ("analyst-certification", "Certified Orbitly Analyst Exam", "assessment", "analyst",
         "", "", "2023-04-17", "2025-04-14", 3.6),
        ("api-fundamentals", "API Fundamentals", "video", "developer",
         "API Key Created", "api", "2022-09-12", "2025-05-20", 4.3),
        ("integrations-lab", "Integrations Lab", "lab", "developer",
         "Integration Enabled,Data Source Connected", "connectors", "2022-10-03", "2024-09-16",
         4.5),
        ("data-pipelines-lab", "Data Pipelines Lab", "lab", "developer",
         "Pipeline Scheduled,Data Source Connected", "data-import", "2023-05-22", "2025-07-07",
         4.4),
        ("webhooks-in-depth", "Webhooks in Depth", "scorm", "developer",
         "Webhook Configured", "webhooks", "2024-02-20", "2025-08-18", 4.0),
        ("sdk-reference", "SDK Quick Reference", "pdf", "developer",
         "API Key Created", "api", "2022-11-07", "2024-12-02", 3.8),
        ("developer-check", "Developer Knowledge Check", "quiz", "developer",
         "", "", "2022-11-07", "2024-05-13", 3.7),
        ("admin-bootcamp", "Administrator Bootcamp", "ilt", "admin",
         "User Invited,Role Assigned,SSO Configured", "user-management,permissions,login-sso",
         "2023-01-23", "2024-08-26", 4.7),
        ("permissions-deep-dive", "Permissions Deep Dive", "slides", "admin",
         "Role Assigned", "permissions", "2023-01-23", "2025-03-03", 4.0),
        ("single-sign-on", "Setting Up Single Sign-On", "screencast", "admin",
         "SSO Configured", "login-sso", "2023-02-27", "2024-06-24", 4.2),
        ("importing-data", "Importing Your Data", "video", "admin,developer",
         "Data Source Connected", "data-import,connectors", "2022-08-08", "2025-04-28", 4.3),
        ("admin-exam", "Administrator Certification Exam", "assessment", "admin",
         "", "", "2023-03-20", "2025-02-24", 3.5),
        ("value-playbook", "The Orbitly Value Playbook", "slides", "leader",
         "Report Exported", "", "2023-06-05", "2025-01-13", 4.1),
        ("adoption-guide", "Driving Adoption in Your Team", "infographic", "leader",
         "User Invited,Workspace Created", "user-management", "2023-06-05", "2024-07-29", 4.0),
        ("executive-briefing", "Executive Briefing", "vilt", "leader",
         "", "", "2024-09-10", "2025-09-15", 4.3),
        ("whats-new-2025", "What's New in Orbitly 2025", "video", "",
         "Alert Created,Pipeline Scheduled", "alerts", "2025-03-04", "2025-10-06", 4.2),
        ("troubleshooting-imports", "Troubleshooting Data Imports", "article", "",
         "", "data-import,connectors", "2023-08-14", "2025-05-05", 3.9),
        ("managing-users", "Managing Users and Teams", "scorm", "",
         "User Invited,Role Assigned", "user-management,permissions", "2023-10-02",
         "2024-10-21", 3.8),
        ("dashboard-design-lab", "Dashboard Design Lab", "lab", "",
         "Chart Added,Dashboard Created", "dashboards", "2024-06-18", "2025-09-01", 4.6),
    )
)  # fmt: skip
COURSE_BY_SLUG = {course.slug: course for course in COURSES}


def path_courses(path: Path) -> list[Course]:
    """A path's courses in the order learners take them."""
    return [course for course in COURSES if path.slug in course.paths]


def standalone_courses() -> list[Course]:
    return [course for course in COURSES if not course.paths]


def courses_teaching(event: str) -> list[Course]:
    return [course for course in COURSES if event in course.features]
