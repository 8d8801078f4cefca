"""Relationship NPS campaigns and post-course smile sheets.

An NPS answer is the segment's mean plus noise, plus the true shift when the respondent's account
is trained at the time of answering; enterprises answer higher anyway (confounding). Smile
sheets rate a course around its own quality and do not depend on anything else.
"""

from __future__ import annotations

from datetime import date
from random import Random

from learnsight.demo import clock
from learnsight.demo.company import Person, token
from learnsight.demo.parameters import EFFECTS, MODEL
from learnsight.demo.story import Story
from learnsight.demo.tables import Sink
from learnsight.demo.truth import Tally

# Twice a year, the vendor asks its customers' contacts how likely they are to recommend it.
NPS_CAMPAIGNS = (date(2024, 3, 12), date(2024, 9, 10), date(2025, 3, 11), date(2025, 9, 9))
NPS_COMMENTS = {
    "detractor": ("Too many bugs lately.", "Support is slow to answer.", "Hard to set up."),
    "passive": ("Does the job.", "Reporting could be more flexible."),
    "promoter": ("Our team lives in Orbitly dashboards.", "Great product and great academy."),
}
SMILE_COMMENTS = ("Clear and practical.", "A bit too long.", "Loved the examples.")


def emit_surveys(seed: int, story: Story, sink: Sink, tally: Tally) -> None:
    rng = Random(f"{seed}/surveys/{story.account.index}")
    for campaign in NPS_CAMPAIGNS:
        sent = clock.at_midnight(campaign)
        if sent < clock.at_midnight(story.account.contract_start) or sent >= story.life.end:
            continue
        for person in story.account.people:
            if person.created <= sent and rng.random() < MODEL.nps_invited * MODEL.nps_response:
                nps_answer(rng, story, person, sent, sink, tally)
    smile_sheets(rng, story, sink)


def nps_answer(
    rng: Random, story: Story, person: Person, sent: int, sink: Sink, tally: Tally
) -> None:
    answered = clock.WORK.moment(rng, person.zone, sent + int(rng.expovariate(1 / 3) * clock.DAY))
    if answered >= story.life.end:
        return
    trained = story.trained_at is not None and story.trained_at <= answered
    mean = story.account.segment.nps_mean + (EFFECTS.nps_shift if trained else 0.0)
    score = max(0, min(10, round(rng.gauss(mean, MODEL.nps_spread))))
    tally.nps[trained].append(score)
    group = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    comment = rng.choice(NPS_COMMENTS[group]) if rng.random() < 0.25 else None
    # Survey tools export an e-mail address, sometimes the CRM id they were sent with.
    respondent = person.id if rng.random() < 0.1 else person.email
    account_id = story.account.id if rng.random() < 0.7 else None
    survey_id = "srv_" + token(f"{story.account.id}/nps/{person.id}/{sent}", 16)
    sink.add((survey_id, respondent, account_id, "nps", float(score), comment, answered, None))


def smile_sheets(rng: Random, story: Story, sink: Sink) -> None:
    """Rated by some learners right after completing a course (strays too)."""
    for enrolment in story.enrolments:
        if enrolment.completed_at is None or rng.random() >= MODEL.smile_response:
            continue
        answered = enrolment.completed_at + rng.randrange(60, 2 * clock.DAY)
        if answered >= story.life.end:
            continue
        score = max(1, min(5, round(rng.gauss(enrolment.course.quality, 0.7))))
        comment = rng.choice(SMILE_COMMENTS) if rng.random() < 0.15 else None
        person = enrolment.person
        account_id = story.account.id if person.listed and rng.random() < 0.7 else None
        survey_id = "srv_" + token(f"{story.account.id}/smile/{enrolment.registration}", 16)
        sink.add((survey_id, person.email, account_id, "smile_sheet", float(score), comment,
                  answered, enrolment.course.iri))  # fmt: skip
