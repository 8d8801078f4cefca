"""The data directory's DuckDB schema, as an ordered list of migrations.

Migration N (1-based) takes a database from schema version N-1 to N. A release only appends
migrations, so a newer release opens an older data directory and brings it up to date.
"""

STATEMENTS = """
CREATE TABLE statements (
    seq BIGINT NOT NULL,             -- insertion order, which is also "stored" order
    id UUID PRIMARY KEY,
    stored TIMESTAMPTZ NOT NULL,
    timestamp TIMESTAMPTZ NOT NULL,
    actor_key VARCHAR NOT NULL,      -- inverse functional identifier, see xapi/agents.py
    actor_members VARCHAR[],         -- member keys when the actor is a Group
    verb_id VARCHAR NOT NULL,
    object_type VARCHAR NOT NULL,    -- Activity, Agent, Group, StatementRef or SubStatement
    object_id VARCHAR,               -- activity id, agent key or referenced statement id
    object_members VARCHAR[],
    activity_type VARCHAR,
    registration UUID,
    result_success BOOLEAN,
    result_completion BOOLEAN,
    result_score_scaled DOUBLE,
    result_score_raw DOUBLE,
    result_score_min DOUBLE,
    result_score_max DOUBLE,
    result_duration_seconds DOUBLE,
    context_parent_ids VARCHAR[],
    context_grouping_ids VARCHAR[],
    related_agents VARCHAR[],        -- every agent key in the statement, for related_agents=true
    related_activities VARCHAR[],    -- every activity id, for related_activities=true
    ref_target UUID,                 -- the statement a StatementRef object points at
    voided BOOLEAN NOT NULL DEFAULT false,
    credential_key VARCHAR,          -- the credential that stored it (statements/read/mine)
    contact_id VARCHAR,              -- identity resolution fills these
    account_id VARCHAR,
    raw VARCHAR NOT NULL             -- the statement as stored, JSON
)
"""

MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
        STATEMENTS,
        """CREATE TABLE attachments (
            sha2 VARCHAR PRIMARY KEY, content_type VARCHAR NOT NULL, content BLOB NOT NULL)""",
        """CREATE TABLE statement_attachments (
            statement_id UUID NOT NULL, sha2 VARCHAR NOT NULL)""",
        """CREATE TABLE activities (
            id VARCHAR PRIMARY KEY, definition VARCHAR NOT NULL, updated TIMESTAMPTZ NOT NULL)""",
        """CREATE TABLE documents (
            kind VARCHAR NOT NULL,          -- state, activity_profile or agent_profile
            activity_id VARCHAR NOT NULL,   -- '' when not scoped to an activity
            agent_key VARCHAR NOT NULL,     -- '' when not scoped to an agent
            registration VARCHAR NOT NULL,  -- '' when none
            doc_id VARCHAR NOT NULL,
            content BLOB NOT NULL,
            content_type VARCHAR NOT NULL,
            etag VARCHAR NOT NULL,
            updated TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (kind, activity_id, agent_key, registration, doc_id))""",
        """CREATE TABLE credentials (
            key VARCHAR PRIMARY KEY,
            secret_sha256 VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            scopes VARCHAR[] NOT NULL,
            created TIMESTAMPTZ NOT NULL,
            revoked TIMESTAMPTZ)""",
    ],
]

# Business data (docs/data-model.md). Each table's natural key is its primary key (but for
# product events, below), so imports upsert on it; the importer derives the `id` columns a
# source may lack (ingest/kinds.py).
BUSINESS_DATA = [
    """CREATE TABLE accounts (
        id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        domains VARCHAR[],
        segment VARCHAR,                -- SMB, mid-market or enterprise
        industry VARCHAR,
        country VARCHAR,                -- ISO 3166-1 alpha-2
        seats INTEGER,
        arr DECIMAL(18, 2),
        currency VARCHAR,               -- ISO 4217
        contract_start DATE,
        renewal_date DATE,
        churned_at DATE,
        owner VARCHAR)""",
    """CREATE TABLE contacts (
        id VARCHAR PRIMARY KEY,         -- the source's id, else the e-mail address
        account_id VARCHAR,
        email VARCHAR,                  -- lower case
        name VARCHAR,
        role VARCHAR,
        country VARCHAR,
        region VARCHAR,
        timezone VARCHAR,               -- IANA name, e.g. Europe/Paris
        created_at TIMESTAMPTZ,
        crm_id VARCHAR,
        helpdesk_id VARCHAR,
        product_id VARCHAR,
        lms_id VARCHAR)""",
    """CREATE TABLE revenue_events (
        id VARCHAR PRIMARY KEY,         -- the source's id, else a hash of the other columns
        account_id VARCHAR NOT NULL,
        date DATE NOT NULL,
        kind VARCHAR NOT NULL,          -- new, renewal, upsell, contraction or churn
        amount DECIMAL(18, 2) NOT NULL,
        currency VARCHAR)""",
    """CREATE TABLE tickets (
        id VARCHAR PRIMARY KEY,
        account_id VARCHAR,
        requester_email VARCHAR,
        created_at TIMESTAMPTZ NOT NULL,
        solved_at TIMESTAMPTZ,
        topic VARCHAR,
        tags VARCHAR[],
        channel VARCHAR,
        priority VARCHAR)""",
    """CREATE TABLE product_events (
        -- Unique, but no PRIMARY KEY: its index would double the cost of bulk loads. The
        -- importer keeps it unique (one row per key, only new keys inserted, one writer).
        message_id VARCHAR NOT NULL,    -- else a hash of user, event, timestamp and properties
        user_id VARCHAR,
        email VARCHAR,
        account_id VARCHAR,
        event VARCHAR NOT NULL,
        timestamp TIMESTAMPTZ NOT NULL,
        properties JSON)""",
    """CREATE TABLE surveys (
        id VARCHAR PRIMARY KEY,         -- else a hash of respondent, kind, timestamp and course
        respondent VARCHAR NOT NULL,    -- e-mail address or contact id
        account_id VARCHAR,
        kind VARCHAR NOT NULL,          -- csat, nps, ces or smile_sheet
        score DOUBLE NOT NULL,
        comment VARCHAR,
        timestamp TIMESTAMPTZ NOT NULL,
        course_id VARCHAR)""",
    """CREATE TABLE costs (
        period_start DATE NOT NULL,
        period_end DATE NOT NULL,       -- the period's last day
        category VARCHAR NOT NULL,      -- content, platform, staff, ILT...
        amount DECIMAL(18, 2) NOT NULL,
        currency VARCHAR,
        PRIMARY KEY (period_start, period_end, category))""",
    """CREATE TABLE fx_rates (
        date DATE NOT NULL,
        currency VARCHAR NOT NULL,
        rate DOUBLE NOT NULL,           -- reporting-currency units for one unit of `currency`
        PRIMARY KEY (date, currency))""",
    """CREATE TABLE catalog (
        id VARCHAR PRIMARY KEY,         -- the course's or path's activity IRI
        kind VARCHAR NOT NULL,          -- course, path, or item (a material or assessment)
        name VARCHAR,
        content_type VARCHAR,           -- video, screencast, infographic, slides, quiz, ilt, lab...
        created_at TIMESTAMPTZ,
        updated_at TIMESTAMPTZ,
        paths VARCHAR[],                -- the learning paths a course belongs to
        features VARCHAR[],             -- product event names the course teaches
        ticket_topics VARCHAR[])        -- support ticket topics it addresses""",
    """CREATE TABLE organisation (
        key VARCHAR PRIMARY KEY,        -- timezone, reporting_currency, fiscal_year_start...
        value JSON NOT NULL)""",
    """CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        kind VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL,
        strict BOOLEAN NOT NULL,
        read BIGINT NOT NULL,
        inserted BIGINT NOT NULL,
        updated BIGINT NOT NULL,
        unchanged BIGINT NOT NULL,
        rejected BIGINT NOT NULL,
        outcome VARCHAR NOT NULL)       -- imported, or rejected (--strict and a bad row)""",
    """CREATE TABLE identity_overrides (
        identity VARCHAR PRIMARY KEY,   -- an actor key, e-mail address or product user id
        contact_id VARCHAR,
        account_id VARCHAR)""",
    """CREATE TABLE identities (
        source VARCHAR NOT NULL,        -- xapi, ticket, survey or event
        identity VARCHAR NOT NULL,
        contact_id VARCHAR,
        account_id VARCHAR,
        rule VARCHAR,                   -- the rule that matched; NULL when unmatched
        PRIMARY KEY (source, identity))""",
    """CREATE TABLE audit_log (
        occurred_at TIMESTAMPTZ NOT NULL,
        action VARCHAR NOT NULL,
        subject VARCHAR NOT NULL,
        details JSON NOT NULL)""",
]

MIGRATIONS.append(BUSINESS_DATA)

SCHEMA_VERSION = len(MIGRATIONS)
