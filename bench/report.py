"""The periodic statistical report (form 06, motcua.reports): a year's province report as
.xlsx on the generated set (target of issue 12: under 3 s on 10 M dossiers), against the
naive GROUP BY over dossiers_dossier that it replaces.

    MOTCUA_BENCH_DB=... .venv/bin/python -m bench.report [--year 2025] [--runs 3] [--check]
        [--write]

Needs a generated bench database (bench.generate fills the report's summary tables in its
summaries phase). Times are wall clock in this process, median of --runs: the report's
numbers and late list (selectors.build), the .xlsx written (xlsx.render), both grouped by
agency (the province's form, rows per unit) and by field. The naive query counts the same
totals straight from the dossiers; the two must agree. --check also recounts the summary
tables in Python from the dossiers (tracking.recount, slow: one pass over every received
dossier) and compares them with what the generator's SQL wrote. --write appends the figures
to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

from bench.common import (
    BENCH_DB,
    PORT,
    Gunicorn,
    app_env,
    append_results,
    connect,
    log,
    percentile,
)
from bench.generate import ON_TIME_SQL

TZ = "Asia/Ho_Chi_Minh"


def _setup() -> None:
    os.environ.update(app_env())
    import django

    django.setup()


NAIVE_SQL = f"""
SELECT agency_id,
  count(*) FILTER (WHERE received_at < %(s)s AND NOT (ended AND finished_at < %(s)s)),
  count(*) FILTER (WHERE received_at >= %(s)s AND received_at < %(e)s AND channel = 'online'),
  count(*) FILTER (WHERE received_at >= %(s)s AND received_at < %(e)s AND channel <> 'online'),
  count(*) FILTER (WHERE solved AND finished_at >= %(s)s AND finished_at < %(e)s AND on_time
                     AND (coalesce(paused_at, finished_at) AT TIME ZONE '{TZ}')::date
                         < (due AT TIME ZONE '{TZ}')::date),
  count(*) FILTER (WHERE solved AND finished_at >= %(s)s AND finished_at < %(e)s AND on_time
                     AND (coalesce(paused_at, finished_at) AT TIME ZONE '{TZ}')::date
                         >= (due AT TIME ZONE '{TZ}')::date),
  count(*) FILTER (WHERE solved AND finished_at >= %(s)s AND finished_at < %(e)s AND NOT on_time),
  count(*) FILTER (WHERE closed AND finished_at >= %(s)s AND finished_at < %(e)s),
  count(*) FILTER (WHERE returned_at >= %(s)s AND returned_at < %(e)s),
  count(*) FILTER (WHERE received_at < %(e)s AND NOT (ended AND finished_at < %(e)s)
                     AND due < %(e)s)
FROM (SELECT *, status IN ('done', 'returned') AS solved,
             status IN ('stopped', 'withdrawn', 'rejected') AS closed,
             status IN ('done', 'returned', 'stopped', 'withdrawn', 'rejected')
               AND finished_at IS NOT NULL AS ended,
             coalesce(on_time_due_at, original_due_at) AS due, {ON_TIME_SQL} AS on_time
        FROM dossiers_dossier WHERE received_at IS NOT NULL AND received_at < %(e)s) d
GROUP BY agency_id
"""
NAIVE_COLUMNS = (
    "carried",
    "received_online",
    "received_direct",
    "solved_early",
    "solved_on_time",
    "solved_late",
    "closed",
    "returned",
    "open_overdue",
)


def _median(f, runs: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def _reference_loop() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine is, to compare runs."""
    t, s = time.process_time(), 0
    for i in range(10_000_000):
        s += i
    return time.process_time() - t


def _http(year: int, runs: int, requests: int) -> list[str]:
    """The page and the download through gunicorn, as a leader of a province agency."""
    import httpx

    from bench.load import login

    with connect() as conn:
        leader = conn.execute(
            "SELECT u.username FROM catalog_officer o JOIN auth_user u ON u.id = o.user_id "
            "JOIN catalog_agency a ON a.id = o.agency_id "
            "WHERE o.role = 'leader' AND a.level = 'province' ORDER BY o.id LIMIT 1"
        ).fetchone()[0]
    year_query = f"ky=nam&nam={year}&nhom=don-vi"
    pages = {
        f"report page, province, year {year} by agency": f"/bao-cao/tinh/0/?{year_query}",
        "report page, province, current quarter (the default)": "/bao-cao/tinh/0/",
    }
    lines = []
    with Gunicorn(workers=2):
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=300) as c:
            for _ in range(4):  # each worker imports Django on its first request
                c.get("/dang-nhap/")
        cookies = login(leader)
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", cookies=cookies, timeout=300) as c:
            for name, path in pages.items():
                c.get(path).raise_for_status()
                times = []
                for _ in range(requests):
                    t = time.perf_counter()
                    c.get(path).raise_for_status()
                    times.append((time.perf_counter() - t) * 1000)
                times.sort()
                line = (
                    f"- {name} (`{path}`): p50 {percentile(times, 50):.0f} ms, "
                    f"p95 {percentile(times, 95):.0f} ms ({requests} requests)"
                )
                log(line)
                lines.append(line)
            path = f"/bao-cao/tinh/0/tai-ve.xlsx?{year_query}"

            def download():
                r = c.get(path)
                r.raise_for_status()
                return len(r.content)

            download_s, size = _median(download, runs)
            line = (
                f"- **year {year}, province, .xlsx downloaded through gunicorn: "
                f"{download_s:.2f} s** (median of {runs}, {size / 1e6:.1f} MB)"
            )
            log(line)
            lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=dt.date.today().year - 1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args(argv)
    _setup()
    from django.db import connection

    from motcua.dossiers.models import Dossier
    from motcua.reports import selectors, tracking, xlsx
    from motcua.serviceindex.selectors import province

    unit = province()
    period = selectors.parse({"ky": "nam", "nam": str(args.year)})
    start, end = selectors._bounds(period)
    n = Dossier.objects.count()
    log(f"{BENCH_DB}: {n:,} dossiers; {period.label}, province ({len(unit.agency_ids)} agencies)")
    lines = [f"- database {BENCH_DB}: {n:,} dossiers; {period.label}, the province"]
    results = {}
    for grouping in ("don-vi", "linh-vuc"):
        build_s, report = _median(lambda g=grouping: selectors.build(unit, period, g), args.runs)
        write_s, data = _median(lambda r=report: xlsx.render(r), args.runs)
        total_s, _ = _median(
            lambda g=grouping: xlsx.render(selectors.build(unit, period, g)), args.runs
        )
        results[grouping] = report
        line = (
            f"- grouped {selectors.GROUPINGS[grouping].lower()}: {len(report.rows)} rows, "
            f"{report.late_total:,} late dossiers ({len(report.late):,} listed); numbers + late "
            f"list {build_s:.2f} s, "
            f".xlsx written {write_s:.2f} s ({len(data) / 1e6:.1f} MB); "
            f"**report as .xlsx {total_s:.2f} s** (median of {args.runs})"
        )
        log(line)
        lines.append(line)
        numbers_s, _ = _median(lambda g=grouping: selectors.rows_for(unit, period, g), args.runs)
        lines.append(f"  - the form's numbers alone (summary tables): {numbers_s * 1000:.0f} ms")

    def naive():
        with connection.cursor() as cur:
            cur.execute(NAIVE_SQL, {"s": start, "e": end})
            return cur.fetchall()

    naive_s, rows = _median(naive, args.runs)
    totals = {c: sum(r[i + 1] for r in rows) for i, c in enumerate(NAIVE_COLUMNS)}
    mine = {c: getattr(results["don-vi"].total, c) for c in NAIVE_COLUMNS}
    agree = "agree" if totals == mine else f"DISAGREE: naive {totals}, report {mine}"
    line = (
        f"- naive GROUP BY over dossiers_dossier (same counters, per agency): {naive_s:.2f} s "
        f"(median of {args.runs}); totals {agree}"
    )
    log(line)
    lines.append(line)
    t = results["don-vi"].total
    lines.append(
        f"- the year: carried over {t.carried:,}, received {t.received_new:,} "
        f"({t.received_online:,} online), solved {t.solved:,} ({t.solved_late:,} late), "
        f"in progress at the end {t.in_progress:,} ({t.open_overdue:,} overdue)"
    )
    if args.check:
        t0 = time.perf_counter()
        expected, late = tracking.recount()
        expected = {k: v for k, v in expected.items() if any(v.values())}
        same = expected == tracking.table_as_dict()
        from motcua.reports.models import ReportLateDossier

        same_late = ReportLateDossier.objects.count() == len(late)
        line = (
            f"- check: the generator's summary rows == Python recount from the dossiers: "
            f"{same} ({len(expected):,} rows), late list {same_late} ({len(late):,}); "
            f"recount took {time.perf_counter() - t0:.0f} s"
        )
        log(line)
        lines.append(line)
    if args.http:
        lines += _http(args.year, args.runs, args.requests)
    load = os.getloadavg()
    lines.append(
        f"- nproc {os.cpu_count()}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
        f"reference loop (`for i in range(10_000_000): s += i`) {_reference_loop():.2f} s CPU"
    )
    if args.write:
        append_results("Statistical report, form 06 (bench/report.py)", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
