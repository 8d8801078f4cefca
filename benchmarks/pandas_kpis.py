"""The KPIs written the straightforward way in pandas, from DataFrames already in memory.

benchmarks/kpis.py times each one beside Learnsight's and checks that both give the same rows.
Each method does what an analyst would write from docs/kpis.md for the KPI's default query (all
time, its default grain, no split): filter, derive, merge, `groupby`. Days, months and "today"
are the organisation's (its time zone); the verb classes and the `trained` rule are the data
directory's (kpis.yaml, else the defaults).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import pandas as pd

from learnsight.metrics.context import Context
from learnsight.metrics.trained import parse_rule
from learnsight.xapi.statements import VOIDED_VERB
from learnsight.xapi.verbs import COURSE_TYPE

Rows = list[dict[str, Any]]
ONE_DAY = pd.Timedelta(days=1)


def load_frames(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The tables the pandas KPIs read, as DataFrames (the analyst's starting point)."""
    statements = con.sql(
        "SELECT timestamp, contact_id, actor_key, account_id, verb_id, object_id, "
        "activity_type, context_parent_ids[1] AS parent, context_grouping_ids[1] AS grouping, "
        "voided FROM statements"
    ).df()
    return {
        "statements": statements,
        "catalog": con.sql("SELECT * FROM catalog").df(),
        "surveys": con.sql("SELECT * FROM surveys").df(),
        "contacts": con.sql("SELECT * FROM contacts").df(),
        "accounts": con.sql("SELECT * FROM accounts").df(),
        "costs": con.sql("SELECT * FROM costs").df(),
        "fx_rates": con.sql("SELECT * FROM fx_rates").df(),
        "revenue_events": con.sql("SELECT * FROM revenue_events").df(),
        "identities": con.sql("SELECT source, identity, account_id FROM identities").df(),
        "tickets": con.sql("SELECT account_id, requester_email, created_at FROM tickets").df(),
        "product_events": con.sql(
            "SELECT user_id, email, account_id, event, timestamp FROM product_events"
        ).df(),
    }


# --- shared steps ------------------------------------------------------------------------------
# Accounts over time (docs/kpis.md, "Business KPIs: common ground"): an account's rows carry
# `contract_start` (NaT: active since always) and `churn_on` (NaT: active still); its active days
# run from its contract start to the day before its churn. Dates are naive local midnights.


def active_at(rows: Any, day: Any) -> Any:
    """Active at the start of `day`: started before it and not churned before it."""
    started = rows["contract_start"].isna() | (rows["contract_start"] < day)
    return started & (rows["churn_on"].isna() | (rows["churn_on"] >= day))


def active_during(rows: Any, start: Any, end: Any) -> Any:
    """Active on at least one day of [start, end)."""
    started = rows["contract_start"].isna() | (rows["contract_start"] < end)
    return started & (rows["churn_on"].isna() | (rows["churn_on"] > start))


def active_on(rows: Any, day: Any) -> Any:
    """Active during `day`."""
    started = rows["contract_start"].isna() | (rows["contract_start"] <= day)
    return started & (rows["churn_on"].isna() | (rows["churn_on"] > day))


def account_months(start: Any, end: Any) -> Any:
    """The days [start, end), each counting 1/(the days of its calendar month): whole calendar
    months between the two, plus and minus the fractions of the months they fall in."""
    whole = (end.dt.year - start.dt.year) * 12 + end.dt.month - start.dt.month
    into_end = (end.dt.day - 1) / end.dt.days_in_month
    into_start = (start.dt.day - 1) / start.dt.days_in_month
    return whole + into_end - into_start


def exposure(rows: Any, start: Any, end: Any) -> Any:
    """Account-months of each row's active days within [start, end)."""
    first = rows["contract_start"].where(rows["contract_start"] > start, start)
    after = rows["churn_on"].where(rows["churn_on"] < end, end)
    return account_months(first, after).where(after > first, 0.0)


def ratio(numerator: Any, denominator: Any) -> Any:
    """numerator / denominator, NaN (null) where the denominator is 0."""
    return numerator / denominator.where(denominator != 0)


def per_period(values: Any, cal: Any) -> Any:
    """Values by month, with a row for every month of the calendar (NaN where none)."""
    return values.reindex(pd.PeriodIndex(cal["period"]))


def month_number(periods: Any) -> Any:
    """Monthly periods as consecutive integers, to count the months between two."""
    return periods.dt.year * 12 + periods.dt.month


class PandasKPIs:
    """The KPIs as an analyst writes them in pandas; month buckets in the organisation's zone."""

    def __init__(self, frames: dict[str, Any], ctx: Context, feature: str) -> None:
        self.frames = frames
        self.feature = feature  # feature_adoption's product event
        self.verbs = ctx.verbs  # the verb classes, kpis.yaml's or the defaults
        self.rule = parse_rule(ctx.config)  # the `trained` rule, kpis.yaml's or the default
        organisation = ctx.organisation
        self.timezone = organisation["timezone"]
        self.reporting_currency = organisation["reporting_currency"]
        self.value_events = list(organisation.get("value_events") or [])

    def month(self, ts: Any) -> Any:
        """Each timestamp's month (a pandas Period), in the organisation's time zone."""
        local = ts.dt.tz_convert(self.timezone).dt.tz_localize(None)
        return local.dt.to_period("M")

    def local_day(self, ts: Any) -> Any:
        """Each timestamp's calendar day (naive midnight), in the organisation's time zone."""
        return ts.dt.tz_convert(self.timezone).dt.tz_localize(None).dt.normalize()

    def this_month(self) -> Any:
        """The organisation's current month (a Period), the first one not over yet."""
        today = pd.Timestamp.now(tz=self.timezone).tz_localize(None)
        return today.to_period("M")

    # --- learning records ----------------------------------------------------------------------

    def learning(self) -> Any:
        """Counted statements with learner and course, as docs/kpis.md defines them."""
        s = self.frames["statements"]
        s = s[~s["voided"] & (s["verb_id"] != VOIDED_VERB)].copy()
        courses = set(self.catalog_courses()["id"])
        is_course = (s["activity_type"] == COURSE_TYPE) | s["object_id"].isin(courses)
        course = s["parent"].where(s["parent"].notna(), s["grouping"])
        course = course.where(~s["grouping"].isin(courses), s["grouping"])
        course = course.where(~s["parent"].isin(courses), s["parent"])
        s["course_id"] = course.where(~is_course, s["object_id"])
        s["learner"] = s["contact_id"].where(s["contact_id"].notna(), s["actor_key"])
        s["period"] = self.month(s["timestamp"])
        return s

    def course_events(self, verb_class: str) -> Any:
        s = self.learning()
        s = s[s["verb_id"].isin(self.verbs[verb_class])]
        return s[s["object_id"] == s["course_id"]]

    def enrollments(self) -> Any:
        return self.course_events("enrolled").groupby("period")["learner"].nunique()

    def completions(self) -> Any:
        done = self.course_events("completed")
        return done.drop_duplicates(["period", "learner", "course_id"]).groupby("period").size()

    def withdrawals(self) -> Any:
        return self.course_events("withdrawn").groupby("period")["learner"].nunique()

    def completion_rate(self) -> Any:
        enrolled = self.course_events("enrolled")
        enrolled = enrolled.drop_duplicates(["period", "learner", "course_id"])
        done = self.course_events("completed")[["learner", "course_id"]].drop_duplicates()
        done["completed"] = True
        pairs = enrolled.merge(done, on=["learner", "course_id"], how="left")
        pairs["completed"] = pairs["completed"].notna()
        return pairs.groupby("period")["completed"].mean()

    def active_learners(self) -> Any:
        s = self.learning()
        s = s[~s["verb_id"].isin(self.verbs["enrolled"])]
        return s.groupby("period")["learner"].nunique()

    def engagement_rate(self) -> Any:
        """Of the learners enrolled in a course at the end of the month (their latest enrolment
        or withdrawal before it is an enrolment), the share with learning activity in it."""
        s = self.learning()
        enrolled_class, withdrawn_class = self.verbs["enrolled"], self.verbs["withdrawn"]
        status = s[s["verb_id"].isin([*enrolled_class, *withdrawn_class])]
        status = status[status["object_id"] == status["course_id"]]
        status = status.assign(withdrawn=status["verb_id"].isin(withdrawn_class))
        # Each enrolment lasts until the pair's next enrolment or withdrawal; at the same
        # instant the withdrawal comes second and ends it.
        pair = ["learner", "course_id"]
        status = status.sort_values([*pair, "timestamp", "withdrawn"])
        status["until"] = status.groupby(pair)["timestamp"].shift(-1)
        spans = status[~status["withdrawn"]]
        active = s[~s["verb_id"].isin(enrolled_class)].groupby("period")["learner"].unique()
        rates = {}
        for period in sorted(s["period"].unique()):  # the months with any statement
            end = (period + 1).start_time.tz_localize(self.timezone)
            open_at_end = (spans["timestamp"] < end) & ~(spans["until"] < end)  # NaT: still open
            enrolled = set(spans.loc[open_at_end, "learner"])
            if enrolled:
                engaged = enrolled.intersection(active.get(period, []))
                rates[period] = len(engaged) / len(enrolled)
        return pd.Series(rates, dtype=float)

    def learners_by_country(self) -> Any:
        """Active learners and their statements per country: the contact's, else the account's."""
        s = self.learning()
        s = s[~s["verb_id"].isin(self.verbs["enrolled"])]
        contacts = self.frames["contacts"][["id", "country"]].rename(columns={"id": "learner"})
        accounts = self.frames["accounts"][["id", "country"]]
        accounts = accounts.rename(columns={"id": "account_id", "country": "account_country"})
        s = s.merge(contacts, on="learner", how="left").merge(accounts, on="account_id", how="left")
        s["country"] = s["country"].where(s["country"].notna(), s["account_country"])
        by_country = s.groupby("country", dropna=False)
        result = by_country.agg(
            learners_by_country=("learner", "nunique"), statements=("learner", "size")
        )
        return result.reset_index()

    def learning_time_heatmap(self) -> Any:
        """Learning-activity statements by weekday and hour in the learner's own time zone,
        else the organisation's."""
        s = self.learning()
        s = s[~s["verb_id"].isin(self.verbs["enrolled"])]
        zones = self.frames["contacts"][["id", "timezone"]].rename(columns={"id": "learner"})
        s = s.merge(zones, on="learner", how="left")
        s["timezone"] = s["timezone"].fillna(self.timezone)
        parts = []
        for zone, rows in s.groupby("timezone"):
            local = rows["timestamp"].dt.tz_convert(zone)
            parts.append(pd.DataFrame({
                "weekday": local.dt.dayofweek + 1, "hour": local.dt.hour,
            }))  # fmt: skip
        local_times = pd.concat(parts)
        counts = local_times.groupby(["weekday", "hour"]).size()
        return counts.rename("learning_time_heatmap").reset_index()

    def content_popularity(self) -> Any:
        """Per item, the learners who started or progressed in it, and who completed it."""
        s = self.learning()
        viewed = s[s["verb_id"].isin({*self.verbs["started"], *self.verbs["progressed"]})]
        completed = s[s["verb_id"].isin(self.verbs["completed"])]
        result = pd.DataFrame({
            "content_popularity": viewed.groupby("object_id")["learner"].nunique(),
            "completions": completed.groupby("object_id")["learner"].nunique(),
        }).fillna(0)  # fmt: skip
        return result.rename_axis("item").reset_index()

    def dropoff_by_content_type(self) -> Any:
        """Per content type of the item, the share of (learner, item) pairs started and never
        completed, passed or failed."""
        s = self.learning()
        catalog = self.frames["catalog"]
        items = catalog.loc[catalog["kind"].isin(["item", "course"]), ["id", "content_type"]]
        started = s[s["verb_id"].isin(self.verbs["started"])]
        started = started[["learner", "object_id"]].drop_duplicates()
        started = started.merge(items, left_on="object_id", right_on="id", how="left")
        finished = {*self.verbs["completed"], *self.verbs["passed"], *self.verbs["failed"]}
        done = s.loc[s["verb_id"].isin(finished), ["learner", "object_id"]].drop_duplicates()
        done["finished"] = True
        pairs = started.merge(done, on=["learner", "object_id"], how="left")
        pairs["dropped"] = pairs["finished"].isna()
        shares = pairs.groupby("content_type", dropna=False)["dropped"].mean()
        return shares.rename("dropoff_by_content_type").reset_index()

    # --- learner journeys ----------------------------------------------------------------------

    def retention(self, churn: bool, window: int = 30) -> Any:
        """Per monthly cohort (month of a learner's first learning activity), the share active
        again on or after day `window`; null until the cohort's month is over and each of its
        learners has reached that day (up to today, in the organisation's time zone)."""
        today = pd.Timestamp.now(tz=self.timezone).normalize()
        tomorrow = today + pd.Timedelta(days=1)
        s = self.learning()
        s = s[~s["verb_id"].isin(self.verbs["enrolled"]) & (s["timestamp"] < tomorrow)]
        people = s.groupby("learner")["timestamp"].agg(["min", "max"])
        # Calendar days, so naive local dates: across a DST change a local day lasts 23 or 25 h.
        first_day = self.local_day(people["min"])
        last_day = self.local_day(people["max"])
        people["retained"] = (last_day - first_day).dt.days >= window
        people["first_day"] = first_day
        people["cohort"] = self.month(people["min"])
        cohorts = people.groupby("cohort").agg(
            share=("retained", "mean"), last_first_day=("first_day", "max")
        )
        local_tomorrow = tomorrow.tz_localize(None)
        mature = cohorts["last_first_day"] <= local_tomorrow - pd.Timedelta(days=window + 1)
        mature &= cohorts.index < local_tomorrow.to_period("M")
        value = 1 - cohorts["share"] if churn else cohorts["share"]
        name = "learner_churn" if churn else "cohort_retention"
        result = value.where(mature).rename(name).reset_index()
        result["cohort"] = result["cohort"].map(lambda month: month.start_time.date().isoformat())
        return result

    def cohort_retention(self) -> Any:
        return self.retention(churn=False)

    def learner_churn(self) -> Any:
        return self.retention(churn=True)

    def retention_matrix(self) -> Any:
        """Per monthly cohort and month k after its own (k = 0), the share of its learners with
        learning activity in that month; finished months only, 0 when no one was active."""
        s = self.learning()
        this_month = self.this_month()
        s = s[~s["verb_id"].isin(self.verbs["enrolled"]) & (s["period"] < this_month)]
        visits = s.groupby(["learner", "period"], as_index=False).size()  # a row per active month
        cohorts = visits.groupby("learner")["period"].min().rename("cohort")
        visits = visits.join(cohorts, on="learner")
        visits["k"] = month_number(visits["period"]) - month_number(visits["cohort"])
        active = visits.groupby(["cohort", "k"]).size()
        sizes = cohorts.value_counts()
        # k runs from the cohort's own month to the last finished one.
        cells = [(c, k) for c in sorted(sizes.index) for k in range((this_month - c).n)]
        grid = pd.MultiIndex.from_tuples(cells, names=["cohort", "k"])
        shares = active.reindex(grid, fill_value=0) / sizes.reindex(grid.get_level_values(0)).values
        result = shares.rename("retention_matrix").reset_index()
        result["cohort"] = result["cohort"].map(lambda month: month.start_time.date().isoformat())
        return result

    def time_to_competency(self) -> Any:
        """Median days from a learner's first learning activity in a course to their first
        `passed` in it, by the month of passing."""
        s = self.learning()
        s = s[s["course_id"].notna() & ~s["verb_id"].isin(self.verbs["enrolled"])]
        pair = ["learner", "course_id"]
        began = s.groupby(pair)["timestamp"].min().rename("began")
        passed = s[s["verb_id"].isin(self.verbs["passed"])].groupby(pair)["timestamp"].min()
        pairs = pd.concat([began, passed.rename("passed")], axis=1, join="inner")
        days = (pairs["passed"] - pairs["began"]).dt.total_seconds() / 86400
        return days.groupby(self.month(pairs["passed"])).median()

    # --- catalog, surveys and costs ------------------------------------------------------------

    def catalog_courses(self) -> Any:
        catalog = self.frames["catalog"]
        return catalog[catalog["kind"] == "course"]

    def courses_created(self) -> Any:
        courses = self.catalog_courses()
        courses = courses[courses["created_at"].notna()]
        return courses.groupby(self.month(courses["created_at"])).size()

    def courses_updated(self) -> Any:
        courses = self.catalog_courses()
        changed = courses["created_at"].isna() | (courses["updated_at"] > courses["created_at"])
        courses = courses[courses["updated_at"].notna() & changed]
        return courses.groupby(self.month(courses["updated_at"])).size()

    def answers(self, kind: str, low: int, high: int) -> Any:
        """A kind's answers in its scale; a month whose answers are all out of range is NaN.
        The respondent's identity only matters to split by account or contact: not done here."""
        s = self.frames["surveys"]
        s = s[s["kind"] == kind].copy()
        s["period"] = self.month(s["timestamp"])
        s["score"] = s["score"].where(s["score"].between(low, high))
        return s

    def smile_sheet(self) -> Any:
        return self.answers("smile_sheet", 1, 5).groupby("period")["score"].mean()

    def csat(self) -> Any:
        s = self.answers("csat", 1, 5)
        s["satisfied"] = (s["score"] >= 4).where(s["score"].notna())
        return s.groupby("period")["satisfied"].mean()

    def csat_mean(self) -> Any:
        return self.answers("csat", 1, 5).groupby("period")["score"].mean()

    def ces(self) -> Any:
        return self.answers("ces", 1, 7).groupby("period")["score"].mean()

    def nps(self) -> Any:
        s = self.answers("nps", 0, 10)
        net = (s["score"] >= 9).astype(float) - (s["score"] <= 6).astype(float)
        s["net"] = (100 * net).where(s["score"].notna())
        return s.groupby("period")["net"].mean()

    def programme_cost(self) -> Any:
        """Each cost at the rate of its first day, spread over its months by days."""
        costs = self.frames["costs"].copy()
        costs["currency"] = costs["currency"].fillna(self.reporting_currency)
        costs["period_start"] = pd.to_datetime(costs["period_start"])
        fx = self.frames["fx_rates"].copy()
        fx["date"] = pd.to_datetime(fx["date"])
        costs = pd.merge_asof(
            costs.sort_values("period_start"), fx.sort_values("date"), left_on="period_start",
            right_on="date", by="currency", direction="backward",
        )  # fmt: skip
        costs.loc[costs["currency"] == self.reporting_currency, "rate"] = 1.0
        spread = []
        for cost in costs.itertuples():
            start = cost.period_start
            end = pd.to_datetime(cost.period_end) + pd.Timedelta(days=1)
            length = max((end - start).days, 1)
            amount = float(cost.amount) * cost.rate
            for month in pd.period_range(start, end - pd.Timedelta(days=1), freq="M"):
                first, after = month.start_time, (month + 1).start_time
                days = (min(end, after) - max(start, first)).days
                spread.append({"period": month, "money": amount * days / length})
        money = pd.DataFrame(spread).groupby("period")["money"]
        # A period with a cost of no known rate is unknown, not smaller.
        return money.sum().where(~money.apply(lambda m: m.isna().any()))

    # --- accounts: who is active, trained, worth what ------------------------------------------

    def lives(self) -> Any:
        """Every account (id as `account_id`) with `churn_on`: its `churned_at`, else its first
        churn revenue event on or after its contract start."""
        accounts = self.frames["accounts"].rename(columns={"id": "account_id"})
        events = self.frames["revenue_events"]
        churns = events[events["kind"] == "churn"]
        churns = churns.merge(accounts[["account_id", "contract_start"]], on="account_id")
        after_start = churns["contract_start"].isna() | (churns["date"] >= churns["contract_start"])
        first_churn = churns[after_start].groupby("account_id")["date"].min()
        churn_on = accounts["churned_at"].fillna(accounts["account_id"].map(first_churn))
        return accounts.assign(churn_on=churn_on)

    def calendar(self, *days: Any) -> Any:
        """The months from the first to the last of the dates given: `period`, `start` (its
        first day) and `end` (the day after its last), the first and last cut to those dates."""
        dates = pd.concat(days)
        first, last = dates.min(), dates.max()
        months = pd.period_range(first, last, freq="M")
        return pd.DataFrame({
            "period": months,
            "start": pd.Series(months.start_time).clip(lower=first),
            "end": pd.Series((months + 1).start_time).clip(upper=last + ONE_DAY),
        })  # fmt: skip

    def account_calendar(self) -> Any:
        """The months the account data covers: contract starts, churns and revenue events."""
        accounts = self.frames["accounts"]
        events = self.frames["revenue_events"]
        return self.calendar(accounts["contract_start"], accounts["churned_at"], events["date"])

    def trainings(self) -> Any:
        """(learner, account_id, trained_at): when each learner of an account became trained
        by the `trained` rule (by default, their first completion of any course)."""
        s = self.frames["statements"]
        counted = ~s["voided"] & (s["verb_id"] != VOIDED_VERB)
        done = s[counted & s["verb_id"].isin(self.verbs["completed"]) & s["account_id"].notna()]
        done = done.assign(learner=done["contact_id"].fillna(done["actor_key"]))
        rule = self.rule
        if rule.within_days is not None:
            starts = self.frames["accounts"].set_index("id")["contract_start"]
            waited = self.local_day(done["timestamp"]) - done["account_id"].map(starts)
            done = done[waited.dt.days <= rule.within_days]
        if rule.course is not None:
            done = done[done["object_id"] == rule.course]
        elif rule.path is not None:
            done = self.path_completions(done, rule.path)
        else:
            courses = set(self.catalog_courses()["id"])
            done = done[(done["activity_type"] == COURSE_TYPE) | done["object_id"].isin(courses)]
        firsts = done.groupby(["learner", "account_id"])["timestamp"].min()
        return firsts.rename("trained_at").reset_index()

    def path_completions(self, done: Any, path: str) -> Any:
        """When each learner finished every catalog course of `path` (the first completion of
        the last of them), or completed the path activity itself."""
        courses = self.catalog_courses().explode("paths")
        members = set(courses.loc[courses["paths"] == path, "id"])
        if not members:
            raise SystemExit(f"kpis.yaml: trained.path: no course of the catalog is in {path}")
        keys = ["learner", "account_id"]
        firsts = done[done["object_id"].isin(members)].groupby([*keys, "object_id"])["timestamp"]
        per_learner = firsts.min().groupby(level=keys).agg(["size", "max"])
        finished = per_learner.loc[per_learner["size"] == len(members), "max"]
        itself = done.loc[done["object_id"] == path, [*keys, "timestamp"]]
        return pd.concat([finished.rename("timestamp").reset_index(), itself])

    def accounts_trained(self) -> Any:
        """The local day each account became trained (its first learner did), by account_id."""
        trained_at = self.trainings().groupby("account_id")["trained_at"].min()
        return self.local_day(trained_at)

    def rates(self, rows: Any, currency: str, day: str) -> Any:
        """The exchange rate of each row's `currency` column on its `day` column: the latest on
        or before it; 1 for the reporting currency, NaN when there is none."""
        fx = self.frames["fx_rates"].rename(columns={"currency": currency})
        fx = fx.assign(date=fx["date"].astype("datetime64[ns]")).sort_values("date")
        keys = rows[[currency]].assign(on=rows[day].astype("datetime64[ns]"), row=range(len(rows)))
        found = pd.merge_asof(
            keys.sort_values("on"), fx, left_on="on", right_on="date", by=currency
        )
        rate = pd.Series(found.sort_values("row")["rate"].to_numpy(), index=rows.index)
        return rate.where(rows[currency] != self.reporting_currency, 1.0)

    # --- account KPIs --------------------------------------------------------------------------

    def training_coverage(self) -> Any:
        """Share of the accounts active at the end of the month that are trained by then."""
        cal = self.account_calendar()
        rows = self.lives().merge(cal, how="cross")
        rows = rows[active_at(rows, rows["end"])].copy()
        rows["trained"] = rows["account_id"].map(self.accounts_trained()) < rows["end"]
        return per_period(rows.groupby("period")["trained"].mean(), cal)

    def seat_coverage(self) -> Any:
        """Trained learners / seats, summed over the accounts (with seats) active at the end of
        the month."""
        cal = self.account_calendar()
        rows = self.lives().merge(cal, how="cross")
        rows = rows[active_at(rows, rows["end"]) & rows["seats"].notna()]
        learners = self.trainings()
        learners["trained_on"] = self.local_day(learners["trained_at"])
        trained = rows[["period", "end", "account_id"]].merge(learners, on="account_id")
        trained = trained[trained["trained_on"] < trained["end"]]
        seats = rows.groupby("period")["seats"].sum()
        count = trained.groupby("period").size().reindex(seats.index, fill_value=0)
        return per_period(ratio(count, seats), cal)

    def customer_churn_rate(self) -> Any:
        """Of the accounts active at the start of the month, the share that churned in it."""
        cal = self.account_calendar()
        rows = self.lives().merge(cal, how="cross")
        rows = rows[active_at(rows, rows["start"])].copy()
        rows["churned"] = (rows["churn_on"] >= rows["start"]) & (rows["churn_on"] < rows["end"])
        return per_period(rows.groupby("period")["churned"].mean(), cal)

    def renewal_rate(self) -> Any:
        """Accounts with a renewal event in the month / accounts whose renewal fell due in it
        (a renewal event, or their renewal date)."""
        cal = self.account_calendar()
        events = self.frames["revenue_events"]
        accounts = self.frames["accounts"]
        renewed = events.loc[events["kind"] == "renewal", ["account_id", "date"]]
        scheduled = accounts.loc[accounts["renewal_date"].notna(), ["id", "renewal_date"]]
        scheduled = scheduled.set_axis(["account_id", "date"], axis="columns")
        due = pd.concat([renewed.assign(renewed=True), scheduled.assign(renewed=False)])
        in_range = (due["date"] >= cal["start"].min()) & (due["date"] < cal["end"].max())
        due = due[in_range & due["account_id"].isin(accounts["id"])]
        per_account = due.groupby([due["date"].dt.to_period("M"), "account_id"])["renewed"].any()
        return per_period(per_account.groupby(level=0).mean(), cal)

    def upsell_rate(self) -> Any:
        """Of the accounts active at the start of the month, the share with an upsell in it."""
        cal = self.account_calendar()
        rows = self.lives().merge(cal, how="cross")
        rows = rows[active_at(rows, rows["start"])]
        events = self.frames["revenue_events"]
        upsells = events.loc[events["kind"] == "upsell", ["account_id"]]
        upsells = upsells.assign(period=events["date"].dt.to_period("M"), upsold=True)
        rows = rows.merge(upsells.drop_duplicates(), on=["period", "account_id"], how="left")
        rows["upsold"] = rows["upsold"].notna()
        return per_period(rows.groupby("period")["upsold"].mean(), cal)

    def gross_revenue_retention(self) -> Any:
        return self.revenue_retention(expansion=False)

    def net_revenue_retention(self) -> Any:
        return self.revenue_retention(expansion=True)

    def revenue_retention(self, expansion: bool) -> Any:
        """Of the accounts active at the start of the month (with an ARR), Σ ARR at its end /
        Σ ARR at its start, both at the rate of its first day; without expansion each account
        counts at most its starting ARR. Null when a rate is missing."""
        cal = self.account_calendar()
        rows = self.lives().merge(cal, how="cross")
        rows = rows[active_at(rows, rows["start"]) & rows["arr"].notna()].copy()
        rows["currency"] = rows["currency"].fillna(self.reporting_currency)
        # accounts.arr is the ARR now: undo the changes dated on or after a day to get its ARR then.
        rows["now"] = rows["arr"] * self.rates(rows, "currency", "start")
        rows = rows.merge(self.arr_changes(rows), on=["period", "account_id"], how="left")
        rows["arr_start"] = (rows["now"] - rows["since_start"].fillna(0.0)).clip(lower=0)
        arr_end = (rows["now"] - rows["since_end"].fillna(0.0)).clip(lower=0)
        arr_end = arr_end.where(active_at(rows, rows["end"]), 0.0)
        rows["arr_end"] = arr_end if expansion else arr_end.clip(upper=rows["arr_start"])
        rows["unconverted"] = rows["now"].isna() | rows["unconverted"].eq(True)
        by_period = rows.groupby("period")
        retained = ratio(by_period["arr_end"].sum(), by_period["arr_start"].sum())
        return per_period(retained.where(~by_period["unconverted"].any()), cal)

    def arr_changes(self, rows: Any) -> Any:
        """Per (period, account_id) of `rows`: the account's upsells minus contractions dated on
        or after the period's first day (since_start), and on or after the day after its last
        (since_end), at the rates of its first day; `unconverted` when a rate is missing."""
        events = self.frames["revenue_events"]
        changes = events[events["kind"].isin(["upsell", "contraction"])]
        changes = changes.assign(
            change=changes["amount"].where(changes["kind"] == "upsell", -changes["amount"])
        )[["account_id", "date", "change", "currency"]]
        keys = rows[["period", "start", "end", "account_id", "currency"]]
        pairs = keys.merge(changes, on="account_id", suffixes=("_account", ""))
        pairs = pairs[pairs["date"] >= pairs["start"]].copy()
        pairs["currency"] = pairs["currency"].fillna(pairs["currency_account"])
        pairs["since_start"] = pairs["change"] * self.rates(pairs, "currency", "start")
        pairs["since_end"] = pairs["since_start"].where(pairs["date"] >= pairs["end"], 0.0)
        pairs["unconverted"] = pairs["since_start"].isna()
        by_account = pairs.groupby(["period", "account_id"], as_index=False)
        return by_account.agg(
            since_start=("since_start", "sum"), since_end=("since_end", "sum"),
            unconverted=("unconverted", "any"),
        )  # fmt: skip

    # --- account KPIs from tickets and product events ------------------------------------------

    def account_tickets(self) -> Any:
        """Every ticket's account (its own, else its requester's by identity resolution; NaN
        for none) and local day."""
        tickets = self.frames["tickets"]
        ids = self.frames["identities"]
        by_email = ids[ids["source"] == "ticket"].set_index("identity")["account_id"]
        account = tickets["account_id"].fillna(tickets["requester_email"].map(by_email))
        return pd.DataFrame({"account_id": account, "day": self.local_day(tickets["created_at"])})

    def tickets_per_account(self) -> Any:
        """Tickets opened in the month on a day their account was active / the account-months
        of the accounts active in it (a whole month active is one)."""
        tickets = self.account_tickets().dropna(subset=["account_id"])
        cal = self.calendar(tickets["day"])
        lives = self.lives()
        rows = lives.merge(cal, how="cross")
        months = exposure(rows, rows["start"], rows["end"]).groupby(rows["period"]).sum()
        tickets = tickets.merge(lives, on="account_id")
        tickets = tickets[active_on(tickets, tickets["day"])]
        counts = tickets.groupby(tickets["day"].dt.to_period("M")).size()
        return per_period(ratio(counts.reindex(months.index, fill_value=0), months), cal)

    def ticket_deflection(self, days: int = 90) -> Any:
        """Tickets per account-month in the `days` days before the accounts trained in the month
        became trained, minus in the `days` days after (the training day in neither); only
        accounts whose two windows lie within the ticket data."""
        window = pd.Timedelta(days=days)
        tickets = self.account_tickets()
        first, last = tickets["day"].min(), tickets["day"].max()
        trained = self.accounts_trained().rename("trained_on").reset_index()
        seen = (trained["trained_on"] - window >= first) & (trained["trained_on"] + window <= last)
        trained = trained[seen]
        cal = self.calendar(trained["trained_on"])
        cohort = trained.merge(self.lives(), on="account_id")
        cohort["period"] = cohort["trained_on"].dt.to_period("M")
        day = cohort["trained_on"]
        cohort["before"] = exposure(cohort, day - window, day)
        cohort["after"] = exposure(cohort, day + ONE_DAY, day + ONE_DAY + window)
        opened = cohort.merge(tickets, on="account_id")
        opened = opened[active_on(opened, opened["day"])]
        offset = opened["day"] - opened["trained_on"]
        opened["before"] = (offset >= -window) & (offset < pd.Timedelta(0))
        opened["after"] = (offset > pd.Timedelta(0)) & (offset <= window)
        months = cohort.groupby("period")[["before", "after"]].sum()
        counts = opened.groupby("period")[["before", "after"]].sum()
        counts = counts.reindex(months.index, fill_value=0)
        rates = ratio(counts, months)
        return per_period(rates["before"] - rates["after"], cal)

    def product_usage(self) -> Any:
        """Every product event's account (its own, else its user's by identity resolution: the
        user id, else the e-mail), name and local day."""
        events = self.frames["product_events"]
        ids = self.frames["identities"]
        by_user = ids[ids["source"] == "event"].set_index("identity")["account_id"]
        user = events["user_id"].fillna(events["email"])
        return pd.DataFrame({
            "account_id": events["account_id"].fillna(user.map(by_user)),
            "event": events["event"],
            "day": self.local_day(events["timestamp"]),
        })  # fmt: skip

    def feature_adoption(self) -> Any:
        """Of the accounts active on at least one day of the month, the share that sent the
        feature's product event in it."""
        usage = self.product_usage()
        cal = self.calendar(usage["day"])
        rows = self.lives().merge(cal, how="cross")
        rows = rows[active_during(rows, rows["start"], rows["end"])]
        used = usage[(usage["event"] == self.feature) & usage["account_id"].notna()]
        used = used.assign(period=used["day"].dt.to_period("M"), used=True)
        used = used[["period", "account_id", "used"]].drop_duplicates()
        rows = rows.merge(used, on=["period", "account_id"], how="left")
        rows["used"] = rows["used"].notna()
        return per_period(rows.groupby("period")["used"].mean(), cal)

    def time_to_value(self) -> Any:
        """Median days from an account's contract start to its first value event on or after
        it, by the month of that event; accounts that started before the product data are out."""
        usage = self.product_usage()
        accounts = self.frames["accounts"].rename(columns={"id": "account_id"})
        accounts = accounts[accounts["contract_start"] >= usage["day"].min()]
        values = usage[usage["event"].isin(self.value_events)]
        values = values.merge(accounts[["account_id", "contract_start"]], on="account_id")
        values = values[values["day"] >= values["contract_start"]]
        firsts = values.groupby(["account_id", "contract_start"], as_index=False)["day"].min()
        firsts["days"] = (firsts["day"] - firsts["contract_start"]).dt.days
        cal = self.calendar(firsts["day"])
        medians = firsts.groupby(firsts["day"].dt.to_period("M"))["days"].median()
        return per_period(medians, cal)

    def covered(self) -> dict[str, Callable[[], Any]]:
        names = [
            "enrollments", "completions", "withdrawals", "completion_rate", "active_learners",
            "engagement_rate", "learners_by_country", "learning_time_heatmap", "courses_created",
            "courses_updated", "content_popularity", "dropoff_by_content_type", "smile_sheet",
            "csat", "csat_mean", "ces", "nps", "programme_cost", "cohort_retention",
            "learner_churn", "retention_matrix", "time_to_competency", "feature_adoption",
            "tickets_per_account", "ticket_deflection", "training_coverage", "seat_coverage",
            "customer_churn_rate", "renewal_rate", "upsell_rate", "gross_revenue_retention",
            "net_revenue_retention", "time_to_value",
        ]  # fmt: skip
        return {name: getattr(self, name) for name in names}


def pandas_result(result: Any, name: str) -> Rows:
    """A pandas KPI's result as JSON rows: a DataFrame's records as they are, a Series indexed
    by month with its period first; NaN as null."""
    if hasattr(result, "columns"):
        return [{key: json_value(v) for key, v in row.items()} for row in result.to_dict("records")]
    rows: Rows = []
    for period, value in result.items():
        rows.append({"period": period.start_time.date().isoformat(), name: json_value(value)})
    return rows


def json_value(value: Any) -> Any:
    """None for null and NaN, a float for a number, the value otherwise."""
    if value is None or value != value:
        return None
    if isinstance(value, str):
        return value
    return float(value)
