"""`learnsight identities overrides FILE`: the CSV that maps or merges what the rules cannot.

Columns `identity`, `contact_id`, `account_id`. The file replaces the overrides table's whole
content, all-or-nothing: one bad line and nothing changes, with every problem reported as
file:line, column, value and the rule it breaks. Resolution is recomputed in the same transaction.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from learnsight.db import Database
from learnsight.errors import LearnsightError
from learnsight.identity import ERASED_PREFIX, ResolveSummary, resolve_in

COLUMNS = ("identity", "contact_id", "account_id")
MERGE_PREFIX = "contact:"
EMAIL = re.compile(r"[^@\s:]+@[^@\s]+\.[^@\s]+")
SHA1 = re.compile(r"[0-9a-f]{40}")
MAX_PROBLEMS_SHOWN = 20


class OverridesError(LearnsightError):
    """The file cannot be loaded; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Override:
    line: int
    identity: str  # normalised: e-mail addresses and mbox keys lower-cased
    contact_id: str | None
    account_id: str | None

    @property
    def merged_contact(self) -> str | None:
        """For `contact:<id>`: the contact merged into `contact_id`."""
        return self.identity.removeprefix(MERGE_PREFIX) if self.is_merge else None

    @property
    def is_merge(self) -> bool:
        return self.identity.startswith(MERGE_PREFIX)


@dataclass
class OverridesSummary:
    file: str
    overrides: int  # rows that map an identity
    merges: int  # rows that merge a contact into another
    resolve: ResolveSummary

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_overrides(db: Database, content: bytes, file: str) -> OverridesSummary:
    """Replace the overrides with the file's rows and resolve again, in one transaction."""
    rows = parse_overrides(content, file)
    with db.write() as cur:
        fail_on(file, missing_references(cur, file, rows))
        cur.execute("DELETE FROM identity_overrides")
        if rows:
            cur.execute(
                """INSERT INTO identity_overrides SELECT unnest(?::VARCHAR[]),
                unnest(?::VARCHAR[]), unnest(?::VARCHAR[])""",
                [[r.identity for r in rows], [r.contact_id for r in rows],
                 [r.account_id for r in rows]],
            )  # fmt: skip
        summary = resolve_in(cur)
    merges = sum(1 for r in rows if r.is_merge)
    return OverridesSummary(file, len(rows) - merges, merges, summary)


def fail_on(file: str, problems: list[str]) -> None:
    if not problems:
        return
    shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
    more = len(problems) - MAX_PROBLEMS_SHOWN
    tail = f"; and {more} more" if more > 0 else ""
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    raise OverridesError(f"{file}: {count}, nothing loaded: {shown}{tail}")


def parse_overrides(content: bytes, file: str) -> list[Override]:
    """The file's rows, each checked on its own and against the others."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise OverridesError(f"{file}: not UTF-8 text ({error.reason})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    fail_on(file, header_problems(file, header))
    rows: list[Override] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for values in reader:
        if not any(value.strip() for value in values):
            continue  # blank lines are allowed
        line = reader.line_num
        if len(values) != len(header):
            problems.append(
                f"{file}:{line}: {len(values)} values for {len(header)} columns "
                "(a value with a comma must be quoted)"
            )
            continue
        record = dict(zip(header, (value.strip() for value in values), strict=True))
        row, row_problems = check_row(file, line, record)
        problems += row_problems
        if row is None:
            continue
        if row.identity in first_line:
            problems.append(
                f"{file}:{line}: identity {row.identity!r}: already given on line "
                f"{first_line[row.identity]}"
            )
            continue
        first_line[row.identity] = line
        rows.append(row)
    problems += merge_problems(file, rows)
    fail_on(file, problems)
    return rows


def header_problems(file: str, header: list[str]) -> list[str]:
    if not header:
        return [f"{file}:1: empty file: the first line names the columns {', '.join(COLUMNS)}"]
    unknown = [name for name in header if name not in COLUMNS]
    problems = [
        f"{file}:1: column {name!r}: unknown (the columns are {', '.join(COLUMNS)})"
        for name in unknown
    ]
    if "identity" not in header:
        problems.append(f"{file}:1: column 'identity': missing")
    if "contact_id" not in header and "account_id" not in header:
        problems.append(f"{file}:1: columns 'contact_id' and 'account_id': give at least one")
    duplicated = {name for name in header if header.count(name) > 1}
    problems += [f"{file}:1: column {name!r}: appears twice" for name in sorted(duplicated)]
    return problems


def check_row(file: str, line: int, record: dict[str, str]) -> tuple[Override | None, list[str]]:
    where = f"{file}:{line}"
    contact = record.get("contact_id") or None
    account = record.get("account_id") or None
    identity, problem = normalise_identity(record.get("identity", ""))
    problems = [f"{where}: identity {record.get('identity', '')!r}: {problem}"] if problem else []
    if contact is None and account is None:
        problems.append(f"{where}: contact_id and account_id: both empty, give one or both")
    if identity.startswith(MERGE_PREFIX):
        if contact is None:
            problems.append(f"{where}: contact_id '': a merge needs the contact to merge into")
        if account is not None:
            problems.append(
                f"{where}: account_id {account!r}: a merge takes no account (the merged "
                "contact's identities get the account of the contact it is merged into)"
            )
        if contact is not None and identity == MERGE_PREFIX + contact:
            problems.append(f"{where}: contact_id {contact!r}: a contact cannot merge into itself")
    if problems:
        return None, problems
    return Override(line, identity, contact, account), []


def normalise_identity(value: str) -> tuple[str, str | None]:
    """(the identity as stored, a problem or None). E-mail addresses and mbox keys are matched
    without regard to case, so they are lower-cased; other identities are kept as given."""
    lowered = value.lower()
    if not value:
        return value, "required"
    if lowered.startswith(MERGE_PREFIX):
        merged = value[len(MERGE_PREFIX) :]
        return MERGE_PREFIX + merged, None if merged else "contact: needs a contact id after it"
    if lowered.startswith("mailto:"):
        lowered = lowered.removeprefix("mailto:")
        return lowered, None if EMAIL.fullmatch(lowered) else "not an e-mail address"
    if lowered.startswith("mbox:"):
        mbox_ok = lowered.startswith("mbox:mailto:") and EMAIL.fullmatch(lowered[12:])
        return lowered, None if mbox_ok else "an mbox key is mbox:mailto: and an e-mail address"
    if lowered.startswith("sha1:"):
        sha1_ok = SHA1.fullmatch(lowered[5:])
        return lowered, None if sha1_ok else "a sha1 key is sha1: and 40 hexadecimal digits"
    if lowered.startswith("account:"):
        home_page, tab, name = value[len("account:") :].partition("\t")
        account_ok = tab and home_page and name
        return value, (
            None if account_ok else "an account key is account:, the homePage, a TAB, the name"
        )
    if lowered.startswith("group:"):
        return value, "an anonymous Group is no one's identity"
    if lowered.startswith(ERASED_PREFIX):
        return value, "a pseudonym left by `learnsight erase` stands for no one"
    if "@" in value and ":" not in value:
        return lowered, None if EMAIL.fullmatch(lowered) else "not an e-mail address"
    return value, None


def merge_problems(file: str, rows: list[Override]) -> list[str]:
    """Merges go one step: a merged contact cannot be a target, nor merged twice."""
    targets = {row.contact_id for row in rows if row.is_merge}
    problems = []
    for row in rows:
        if row.is_merge and row.merged_contact in targets:
            problems.append(
                f"{file}:{row.line}: identity {row.identity!r}: other contacts are merged into "
                f"{row.merged_contact}, so it cannot be merged itself (merge them into "
                f"{row.contact_id} directly)"
            )
    return problems


def missing_references(
    cur: duckdb.DuckDBPyConnection, file: str, rows: list[Override]
) -> list[str]:
    """Contacts and accounts the rows name that are not stored."""
    contacts = {r.contact_id for r in rows if r.contact_id}
    contacts |= {r.merged_contact for r in rows if r.merged_contact}
    accounts = {r.account_id for r in rows if r.account_id}
    known_contacts = existing(cur, "contacts", contacts)
    known_accounts = existing(cur, "accounts", accounts)
    problems = []
    for row in rows:
        if row.merged_contact and row.merged_contact not in known_contacts:
            problems.append(f"{file}:{row.line}: identity {row.identity!r}: no such contact")
        if row.contact_id and row.contact_id not in known_contacts:
            problems.append(f"{file}:{row.line}: contact_id {row.contact_id!r}: no such contact")
        if row.account_id and row.account_id not in known_accounts:
            problems.append(f"{file}:{row.line}: account_id {row.account_id!r}: no such account")
    return problems


def existing(cur: duckdb.DuckDBPyConnection, table: str, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    found = cur.execute(
        f"SELECT id FROM {table} WHERE id IN (SELECT unnest(?::VARCHAR[]))", [sorted(ids)]
    ).fetchall()
    return {row[0] for row in found}
