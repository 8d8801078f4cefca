"""The demo company's customers: accounts and the people who work at them.

Each account draws from its own random stream (seed, "account", index), so that an account looks
the same whatever N is around it; only domain names, which must be unique, depend on the
accounts before it.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from learnsight.demo import clock
from learnsight.demo.parameters import MODEL, SEGMENTS, Segment
from learnsight.demo.world import (
    CONTINENTS,
    COUNTRIES,
    FREE_MAIL,
    INDUSTRIES,
    NAME_WORDS,
    NAMES,
    OWNERS,
    USD_PER_UNIT,
    Country,
)

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE36 = BASE62[:36].lower()

# Who the people at an account are, by segment: SMBs have more admins per head (one person
# wears many hats), enterprises more end users.
ROLES = ("admin", "end user", "developer", "manager", "executive", "billing")
ROLE_WEIGHTS = {
    "SMB": (0.20, 0.45, 0.10, 0.12, 0.08, 0.05),
    "mid-market": (0.12, 0.50, 0.13, 0.14, 0.07, 0.04),
    "enterprise": (0.08, 0.55, 0.15, 0.14, 0.05, 0.03),
}


@dataclass
class Person:
    """A contact in the CRM, or a stray learner the CRM does not know (`listed` False)."""

    account: int  # the account's index
    email: str
    name: str
    role: str
    country: str
    zone: str  # IANA time zone
    created: int  # seconds since the epoch
    listed: bool = True
    actor: str = "mbox"  # how the LRS knows them: "mbox" or "account" (their lms_id)
    id: str = ""
    crm_id: str | None = None
    helpdesk_id: str | None = None
    product_id: str | None = None
    lms_id: str | None = None


@dataclass
class Account:
    index: int
    id: str
    name: str
    domains: list[str]
    segment: Segment
    industry: str
    country: Country
    seats: int
    arr: Decimal  # at contract start, in `currency`
    currency: str
    contract_start: date
    owner: str
    people: list[Person] = field(default_factory=list)

    @property
    def size(self) -> float:
        """Log-seats above the segment's median: the within-segment part of "bigger"."""
        return math.log(self.seats / self.segment.seats[1])


def token(key: str, length: int, alphabet: str = BASE62) -> str:
    """A stable pseudo-random identifier derived from `key` (CRM-style ids)."""
    number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=16).digest(), "big")
    out = []
    for _ in range(length):
        number, digit = divmod(number, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


def ascii_slug(text: str, keep: str = "") -> str:
    """Lower-case ASCII letters and digits only (José Álvarez → josealvarez)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch in keep)


def build_accounts(seed: int, count: int) -> list[Account]:
    taken: set[str] = set()
    return [build_account(seed, index, taken) for index in range(count)]


def build_account(seed: int, index: int, taken_domains: set[str]) -> Account:
    rng = Random(f"{seed}/account/{index}")
    segment = rng.choices(SEGMENTS, weights=[s.share for s in SEGMENTS])[0]
    country = pick_country(rng, index)
    industry = rng.choice(sorted(INDUSTRIES))
    core = f"{rng.choice(NAME_WORDS)} {rng.choice(INDUSTRIES[industry])}"
    domains = pick_domains(rng, core, country, segment, taken_domains)
    seats = pick_seats(rng, segment)
    account = Account(
        index=index,
        id="001" + token(f"{seed}/account/{index}", 15),
        name=f"{core} {rng.choice(country.legal)}",
        domains=domains,
        segment=segment,
        industry=industry,
        country=country,
        seats=seats,
        arr=price(rng, segment, seats, country.currency),
        currency=country.currency,
        contract_start=pick_start(rng),
        owner=rng.choice(OWNERS[country.region]),
    )
    account.people = build_people(seed, rng, account)
    return account


def pick_country(rng: Random, index: int) -> Country:
    """The first accounts take one continent each, so even a tiny company spans all six."""
    pool = COUNTRIES
    if index < len(CONTINENTS):
        pool = tuple(c for c in COUNTRIES if c.continent == CONTINENTS[index])
    return rng.choices(pool, weights=[c.weight for c in pool])[0]


def pick_domains(
    rng: Random, core: str, country: Country, segment: Segment, taken: set[str]
) -> list[str]:
    slug = ascii_slug(core)
    local = rng.random() < 0.5 and country.tld != "com"
    candidates = [f"{slug}.{country.tld if local else 'com'}", f"{slug}-{country.code.lower()}.com"]
    candidates += [f"{slug}{n}.com" for n in range(2, 10_000)]
    primary = next(domain for domain in candidates if domain not in taken)
    taken.add(primary)
    domains = [primary]
    # Enterprises often mail from a second, local domain too.
    second = f"{slug}.{country.tld}"
    if segment.name == "enterprise" and not local and country.tld != "com" and second not in taken:
        taken.add(second)
        domains.append(second)
    return domains


def pick_seats(rng: Random, segment: Segment) -> int:
    low, median, high = segment.seats
    return max(low, min(high, round(median * math.exp(rng.gauss(0, 0.55)))))


def price(rng: Random, segment: Segment, seats: int, currency: str) -> Decimal:
    """Annual contract value in the billing currency, rounded as a sales team would."""
    usd = seats * segment.price_per_seat * rng.uniform(0.85, 1.15)
    step = 10_000 if currency == "JPY" else 100
    return Decimal(max(step, round(usd / USD_PER_UNIT[currency] / step) * step))


def pick_start(rng: Random) -> date:
    if rng.random() < MODEL.existing_share:
        first, last = MODEL.first_existing_start, clock.WINDOW_START - timedelta(days=1)
    else:
        first, last = clock.WINDOW_START, MODEL.last_new_start
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def build_people(seed: int, rng: Random, account: Account) -> list[Person]:
    count = max(2, min(80, round(1.5 * math.sqrt(account.seats) * rng.uniform(0.8, 1.2))))
    weights = ROLE_WEIGHTS[account.segment.name]
    used: set[str] = set()
    people = []
    for number in range(count):
        role = "admin" if number == 0 else rng.choices(ROLES, weights=weights)[0]
        person = new_person(rng, account, role, used)
        key = f"{seed}/person/{account.index}/{number}"
        person.id = person.crm_id = "003" + token(key, 15)
        person.helpdesk_id = str(360_000_000_000 + int(token(key + "/hd", 9, "0123456789")))
        if role in ("admin", "end user", "developer", "manager"):
            person.product_id = "usr_" + token(key + "/product", 12, BASE36)
        if role != "billing":
            person.lms_id = token(key + "/lms", 13, BASE36)
            if rng.random() < MODEL.account_actor_share:
                person.actor = "account"
        people.append(person)
    return people


def new_person(rng: Random, account: Account, role: str, used: set[str]) -> Person:
    """Someone at the account: mostly in its country, some colleagues abroad."""
    country = account.country
    if rng.random() < 0.15:
        country = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
    given, family = NAMES[country.names]
    name = f"{rng.choice(given)} {rng.choice(family)}"
    domain = account.domains[-1] if rng.random() < 0.25 else account.domains[0]
    email = unique_email(name, domain, used)
    zones, weights = zip(*country.zones, strict=True)
    zone = rng.choices(zones, weights=weights)[0]
    return Person(account.index, email, name, role, country.code, zone, joined(rng, account))


def unique_email(name: str, domain: str, used: set[str]) -> str:
    given, _, family = name.partition(" ")
    local = f"{ascii_slug(given, '-')}.{ascii_slug(family, '-')}"
    email = f"{local}@{domain}"
    number = 2
    while email in used:
        email = f"{local}{number}@{domain}"
        number += 1
    used.add(email)
    return email


def joined(rng: Random, account: Account) -> int:
    """When the person entered the CRM: most at the start, the rest hired along the way."""
    start = clock.at_midnight(account.contract_start)
    if rng.random() < 0.75:
        return start + rng.randrange(30 * clock.DAY)
    latest = max(start + clock.DAY, clock.END - 30 * clock.DAY)
    return rng.randrange(start, latest)


def stray(rng: Random, account: Account, free_mail: bool, used: set[str]) -> Person:
    """A learner the CRM does not know: a personal address, or a colleague not yet entered."""
    person = new_person(rng, account, "end user", used)
    if free_mail:
        local = person.email.partition("@")[0]
        person.email = f"{local}{rng.randrange(70, 100)}@{rng.choice(FREE_MAIL)}"
    person.listed = False
    person.id = "stray:" + person.email
    return person
