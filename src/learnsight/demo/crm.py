"""The CRM's view of an account: its row, its contacts and its revenue history."""

from __future__ import annotations

from learnsight.demo.company import token
from learnsight.demo.story import Story
from learnsight.demo.tables import Sinks


def emit_crm(story: Story, sinks: Sinks) -> None:
    account, life = story.account, story.life
    sinks["accounts"].add((
        account.id, account.name, account.domains, account.segment.name, account.industry,
        account.country.code, life.seats, life.arr, account.currency, account.contract_start,
        life.renewal_date, life.churned_at, account.owner,
    ))  # fmt: skip
    region = account.country.region
    for p in account.people:
        sinks["contacts"].add((
            p.id, account.id, p.email, p.name, p.role, p.country, region, p.zone, p.created,
            p.crm_id, p.helpdesk_id, p.product_id, p.lms_id,
        ))  # fmt: skip
    for number, (day, kind, amount) in enumerate(life.revenue):
        opportunity = "006" + token(f"{account.id}/revenue/{number}", 15)
        sinks["revenue_events"].add((opportunity, account.id, day, kind, amount, account.currency))
