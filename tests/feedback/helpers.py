"""Shared steps of the feedback tests: a dossier whose result was returned, the service
index's satisfaction figures as the pages compute them."""

from __future__ import annotations

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.feedback.models import RATING_CRITERIA
from motcua.serviceindex import selectors

ALL_GOOD = {code: 2 for code in RATING_CRITERIA}


def returned(world, **kwargs) -> Dossier:
    dossier = services.receive(world.submit_online(**kwargs), world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    dossier = services.approve(dossier, world.leader)
    dossier = services.finish(dossier, world.specialist)
    dossier = services.change_return_channel(dossier, world.desk, services.ReturnChoice("desk"))
    return services.return_result(dossier, world.desk)


def scores(**changes: int) -> dict[str, int]:
    """Every criterion "Tốt", but those given as c1=0, c6=1, ..."""
    values = dict(ALL_GOOD)
    for key, value in changes.items():
        values[key.removeprefix("c")] = value
    return values


def index():
    """The province's scorecard for this year, through the summary path of the pages."""
    ctx = selectors.Context.load()
    last = selectors.current_month()
    first = selectors.shift_months(last, -12)
    period = selectors.parse_period(
        {"ky": "tuy-chon", "tu": f"{first:%Y-%m}", "den": f"{last:%Y-%m}"}
    )
    return selectors.unit_scorecard(selectors.province(), period, ctx)


def satisfaction() -> tuple[dict[str, int], float | None, float | None]:
    card = index()
    counts = {k: card.counts[k] for k in ("rated", "rated_negative", "complained")}
    counts.update(feedback=card.counts["feedback"], on_time=card.counts["feedback_on_time"])
    return counts, card.result("HL1").rate, card.result("HL2").rate
