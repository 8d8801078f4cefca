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

SCHEMA_VERSION = len(MIGRATIONS)
