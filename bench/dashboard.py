"""Dashboard counts over the whole bench database: naive GROUP BY vs summary tables.

    .venv/bin/python -m bench.dashboard [--repeat 5]

(a) dossiers by status; (b) on-time rate by agency for the last full month and for the
last 12 full months. Each query runs once to warm the cache, then `repeat` times; the
median is reported. The naive and the summary answers are compared (they must agree:
that checks the generator's summary rows, and, after load tests, the services' upkeep).
The summary queries are what motcua.dossiers.stats runs (status_counts,
on_time_by_agency); the naive ones are the GROUP BY over dossiers_dossier they replace.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time

from bench.common import connect, log
from bench.generate import ON_TIME_SQL

NAIVE_STATUS = "SELECT status, count(*) FROM dossiers_dossier GROUP BY status"
SUMMARY_STATUS = (
    "SELECT status, sum(count)::bigint FROM dossiers_agencystatuscount GROUP BY status "
    "HAVING sum(count) <> 0"
)
# QĐ 766 (see motcua.dossiers.stats): dossiers received in the period, of which finished,
# of which on time (against the appointment given at receipt).
NAIVE_ONTIME = f"""
SELECT agency_id, count(*) AS received,
       count(*) FILTER (WHERE status IN ('done', 'returned')) AS finished,
       count(*) FILTER (WHERE status IN ('done', 'returned') AND {ON_TIME_SQL}) AS on_time
  FROM dossiers_dossier
 WHERE received_at >= (%(first)s::date)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'
   AND received_at < (%(end)s::date)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'
 GROUP BY agency_id
"""
SUMMARY_ONTIME = """
SELECT agency_id, sum(received)::bigint, sum(finished)::bigint, sum(on_time)::bigint
  FROM dossiers_agencymonthstats
 WHERE month >= %(first)s AND month <= %(last)s
 GROUP BY agency_id HAVING sum(received) > 0
"""


def _months_back(today: dt.date, n: int) -> tuple[dt.date, dt.date, dt.date]:
    """(first month, last month, first day after) for the n full months before today."""
    end = today.replace(day=1)
    last = (end - dt.timedelta(days=1)).replace(day=1)
    first = last
    for _ in range(n - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last, end


def timed(conn, sql: str, params: dict | None, repeat: int) -> tuple[float, list]:
    rows = conn.execute(sql, params).fetchall()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        rows = conn.execute(sql, params).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), rows


def run(repeat: int = 5, explain: bool = True) -> dict:
    today = dt.date.today()
    out: dict = {}
    with connect() as conn:
        n = conn.execute("SELECT count(*) FROM dossiers_dossier").fetchone()[0]
        out["dossiers"] = n
        naive_ms, naive = timed(conn, NAIVE_STATUS, None, repeat)
        sum_ms, summ = timed(conn, SUMMARY_STATUS, None, repeat)
        out["status"] = {
            "naive_ms": round(naive_ms, 2),
            "summary_ms": round(sum_ms, 2),
            "agree": dict(naive) == dict(summ),
        }
        for label, months in (("month", 1), ("year", 12)):
            first, last, end = _months_back(today, months)
            params = {"first": first, "last": last, "end": end}
            naive_ms, naive = timed(conn, NAIVE_ONTIME, params, repeat)
            sum_ms, summ = timed(conn, SUMMARY_ONTIME, params, repeat)
            a = {r[0]: tuple(r[1:]) for r in naive}
            b = {r[0]: tuple(r[1:]) for r in summ}
            out[f"ontime_{label}"] = {
                "period": f"{first:%Y-%m}..{last:%Y-%m}",
                "naive_ms": round(naive_ms, 2),
                "summary_ms": round(sum_ms, 2),
                "agencies": len(b),
                "received": sum(v[0] for v in b.values()),
                "finished": sum(v[1] for v in b.values()),
                "agree": a == b,
            }
        if explain:
            first, last, end = _months_back(today, 12)
            plan = conn.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + SUMMARY_ONTIME,
                {"first": first, "last": last, "end": end},
            ).fetchall()
            out["explain_summary_year"] = [r[0] for r in plan]
            plan = conn.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + NAIVE_ONTIME,
                {"first": first, "last": last, "end": end},
            ).fetchall()
            out["explain_naive_year"] = [r[0] for r in plan]
    for key in ("status", "ontime_month", "ontime_year"):
        v = out[key]
        log(
            f"dashboard {key:13s} over {n:,} dossiers: naive {v['naive_ms']:9.1f} ms, "
            f"summary {v['summary_ms']:7.2f} ms, agree={v['agree']}"
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.repeat), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
