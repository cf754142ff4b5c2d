"""The service index pages (QĐ 766) through gunicorn on the bench database, at p50 and p95,
and the summary paths against the naive queries over the dossiers they replace.

    .venv/bin/python -m bench.index [--requests 200] [--workers 2] [--skip-rebuild] [--record]

Needs a generated bench database (bench.generate; MOTCUA_BENCH_DB names it); it is never
regenerated or dropped here. The generator fills the on-time month table; the index's own
counters (IndexMonthStats, OpenDueCount) are recounted by `motcua serviceindex_rebuild`
first (timed; --skip-rebuild when they are known to be current). A province-level service
centre serving the departments is added once if the database has none (the centre's
dashboard needs one). Then, with one leader of the province logged in (TOTP enrolled as in
bench.load), each page is asked once to warm up, then `requests` times in a row: p50, p95.
The indicator page is also asked for its second page (keyset cursor from the first).

Last, in this process, the naive comparisons (medians of 5, each pair must agree):
- the province's year through selectors.unit_scorecard (what the pages run) against one
  aggregate over dossiers_dossier for the same counters;
- the open-and-late count of the year: OpenDueCount (rows due before today + today's
  dossiers due before now) against the scan of every open dossier it replaced;
- the first page of the province's late dossiers: keyset page with the total from the
  summary against COUNT(*) + OFFSET over the dossiers (what Paginator did).
--record appends the figures to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import time

import httpx

from bench.common import (
    BENCH_DB,
    PORT,
    ROOT,
    VENV_BIN,
    Gunicorn,
    app_env,
    append_results,
    connect,
    log,
    percentile,
)

CENTRE_BOOK = "benchttpvhcc"


def _rebuild() -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "motcua"), "serviceindex_rebuild"], env=app_env(), cwd=ROOT, check=True
    )
    return time.perf_counter() - t0


def _targets() -> dict[str, int | str]:
    """A leader of a province-level agency, a department, a commune's unit, a centre."""
    with connect() as conn:
        leader = conn.execute(
            "SELECT u.username FROM catalog_officer o JOIN auth_user u ON u.id = o.user_id "
            "JOIN catalog_agency a ON a.id = o.agency_id "
            "WHERE o.role = 'leader' AND a.level = 'province' ORDER BY o.id LIMIT 1"
        ).fetchone()[0]
        # A device left by an earlier run would ask for a code of a window already used.
        conn.execute(
            "DELETE FROM otp_totp_totpdevice WHERE user_id = "
            "(SELECT id FROM auth_user WHERE username = %s)",
            [leader],
        )
        dept = conn.execute(
            "SELECT id FROM catalog_agency WHERE level = 'department' ORDER BY id LIMIT 1"
        ).fetchone()[0]
        commune = conn.execute(
            "SELECT unit_id FROM catalog_agency WHERE level = 'commune' ORDER BY id LIMIT 1"
        ).fetchone()[0]
        centre = conn.execute(
            "SELECT id FROM catalog_servicecentre WHERE is_active ORDER BY id LIMIT 1"
        ).fetchone()
        if centre is None:
            centre = conn.execute(
                "INSERT INTO catalog_servicecentre (name, parent_line, unit_id, address, phone, "
                "book_code, is_active) SELECT 'Trung tâm Phục vụ hành chính công tỉnh', "
                "'UBND TỈNH', id, '', '', %s, true FROM catalog_administrativeunit "
                "WHERE parent_id IS NULL ORDER BY id LIMIT 1 RETURNING id",
                [CENTRE_BOOK],
            ).fetchone()
            conn.execute(
                "INSERT INTO catalog_servicecentre_agencies (servicecentre_id, agency_id) "
                "SELECT %s, id FROM catalog_agency WHERE level IN ('province', 'department')",
                [centre[0]],
            )
    return {"leader": leader, "dept": dept, "commune": commune, "centre": centre[0]}


def _pages(t: dict) -> dict[str, str]:
    dept, commune, centre = t["dept"], t["commune"], t["centre"]
    board = "/chi-so/bang-dieu-hanh"
    return {
        "public scorecard, year": "/chi-so/",
        "public scorecard, month": "/chi-so/?ky=thang",
        "dashboards list (every unit)": f"{board}/",
        "province, year": f"{board}/tinh/0/",
        "province, month": f"{board}/tinh/0/?ky=thang",
        "province, quarter": f"{board}/tinh/0/?ky=quy",
        "province, 24 months (trend)": f"{board}/tinh/0/?ky=tuy-chon&tu=2024-12&den=2026-11",
        "department, year (rank of 24)": f"{board}/co-quan/{dept}/",
        "commune, year (rank of 175)": f"{board}/xa/{commune}/",
        "centre, year": f"{board}/trung-tam/{centre}/",
        "indicator TD1, province": f"{board}/tinh/0/chi-tieu/TD1/",
        "indicator TD1, department": f"{board}/co-quan/{dept}/chi-tieu/TD1/",
        "indicator TD1, commune": f"{board}/xa/{commune}/chi-tieu/TD1/",
        "indicator TT1, province (filed offline)": f"{board}/tinh/0/chi-tieu/TT1/",
        "indicator TT2, department": f"{board}/co-quan/{dept}/chi-tieu/TT2/",
    }


def _measure(cookies, pages: dict[str, str], n: int) -> dict[str, dict]:
    out = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", cookies=cookies, timeout=60) as c:
        # The second page of the province's late dossiers: the cursor from the first.
        first = c.get(pages["indicator TD1, province"])
        cursor = re.search(r"[?&]sau=(\d+)", first.text)
        if cursor:
            pages = {
                **pages,
                "indicator TD1, province, page 2": pages["indicator TD1, province"]
                + f"?sau={cursor.group(1)}",
            }
        for name, path in pages.items():
            r = c.get(path)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: {r.status_code}")
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                r = c.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, path
            times.sort()
            out[name] = {
                "path": path,
                "p50_ms": round(percentile(times, 50), 1),
                "p95_ms": round(percentile(times, 95), 1),
                "max_ms": round(times[-1], 1),
            }
            log(name, out[name])
    return out


def _timed(f, runs: int = 5):
    f()
    values = []
    for _ in range(runs):
        t0 = time.perf_counter()
        value = f()
        values.append((time.perf_counter() - t0) * 1000)
    return value, round(statistics.median(values), 1)


def _naive_vs_summary() -> dict:
    import django

    os.environ.update(app_env())
    django.setup()
    from django.core.paginator import Paginator
    from django.db import connection
    from django.db.models import Count, Q
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from motcua.dossiers.models import Dossier
    from motcua.dossiers.stats import OPEN_AFTER_RECEIPT
    from motcua.serviceindex import selectors as s
    from motcua.serviceindex.models import Indicator

    period = s.parse_period({})
    now = timezone.now()
    province = s.province()

    def summary():
        ctx = s.Context.load(now)
        return s.unit_scorecard(province, period, ctx).counts

    def naive():
        qs = s.with_due(s._in_range(Dossier.objects.all(), period.first, period.last))
        late = s.late_q(now)
        closed = ["done", "returned"]
        return qs.aggregate(
            received=Count("id"),
            online=Count("id", filter=Q(channel="online")),
            returned=Count("id", filter=Q(status="returned")),
            returned_online=Count("id", filter=Q(status="returned", return_method="online")),
            finished=Count("id", filter=Q(status__in=closed)),
            late=Count("id", filter=Q(status__in=closed) & late),
            closed_late=Count("id", filter=Q(status__in=["stopped", "withdrawn"]) & late),
            open_late=Count("id", filter=Q(status__in=OPEN_AFTER_RECEIPT) & late),
        )

    def open_late_summary():
        rows = s.month_counts(None, period.first, period.last, now, by=())
        return rows[()]["open_late"]

    def open_late_scan():
        # What every page did before OpenDueCount: the open dossiers of the period, late now.
        qs = s.with_due(
            s._in_range(Dossier.objects.filter(status__in=OPEN_AFTER_RECEIPT), *period_range)
        )
        return qs.filter(s.late_q(now)).count()

    period_range = (period.first, period.last)
    td1 = Indicator.objects.get(code="TD1")

    def keyset_page():
        counts = s.unit_counts(province, period, s.Context.load(now))
        losing = s.losing_dossiers(province, period, td1, now)
        page = s.losing_page(losing, s.losing_count(td1, counts), None)
        return page.total, [d.pk for d in page.dossiers]

    def offset_page():
        losing = s.losing_dossiers(province, period, td1, now)
        page = Paginator(losing, 25).get_page(1)
        return page.paginator.count, [d.pk for d in page.object_list]

    fast, fast_ms = _timed(summary)
    slow, slow_ms = _timed(naive)
    late_fast, late_fast_ms = _timed(open_late_summary)
    late_scan, late_scan_ms = _timed(open_late_scan)
    page_fast, page_fast_ms = _timed(keyset_page)
    page_slow, page_slow_ms = _timed(offset_page, runs=3)
    with CaptureQueriesContext(connection) as queries:
        summary()
    return {
        "period": period.label,
        "received": fast["received"],
        "scorecard_summary_ms": fast_ms,
        "scorecard_summary_queries": len(queries),
        "scorecard_naive_ms": slow_ms,
        "scorecard_disagreements": {k: (fast[k], v) for k, v in slow.items() if fast[k] != v},
        "open_late": late_fast,
        "open_late_summary_ms": late_fast_ms,
        "open_late_scan_ms": late_scan_ms,
        "open_late_agree": late_fast == late_scan == slow["open_late"],
        "late_list_total": page_fast[0],
        "late_list_keyset_ms": page_fast_ms,
        "late_list_count_offset_ms": page_slow_ms,
        "late_list_agree": page_fast == page_slow,
    }


def _record(result: dict, requests: int, workers: int) -> None:
    load = result["load_average"]
    lines = [
        f"{result['dossiers']:,} dossiers ({BENCH_DB}). `motcua serviceindex_rebuild`: "
        f"{result['rebuild_s']} s. Gunicorn {workers} sync workers, one province leader's "
        f"session, {requests} requests in a row per page after a warm-up. Load average "
        f"before / after: {result['load_before'][0]:.1f} / {load[0]:.1f} "
        f"(nproc {os.cpu_count()}).",
        "",
        "| Page | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|",
    ]
    for name, p in result["pages"].items():
        lines.append(f"| {name} | {p['p50_ms']} | {p['p95_ms']} | {p['max_ms']} |")
    n = result["naive"]
    lines += [
        "",
        f"Naive comparison, in-process, medians of 5, {n['period']} "
        f"({n['received']:,} dossiers received):",
        "",
        f"- scorecard counters: summary {n['scorecard_summary_ms']} ms "
        f"({n['scorecard_summary_queries']} queries) vs one aggregate over the dossiers "
        f"{n['scorecard_naive_ms']} ms; disagreements: {n['scorecard_disagreements'] or 'none'}",
        f"- open and late now ({n['open_late']:,}): OpenDueCount {n['open_late_summary_ms']} ms "
        f"vs the scan of the open dossiers {n['open_late_scan_ms']} ms; agree: "
        f"{n['open_late_agree']}",
        f"- first page of the province's {n['late_list_total']:,} late dossiers: keyset + "
        f"summary total {n['late_list_keyset_ms']} ms vs COUNT(*) + OFFSET "
        f"{n['late_list_count_offset_ms']} ms (median of 3); same page: {n['late_list_agree']}",
    ]
    append_results("Service index pages on 10 M (bench/index.py)", lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    with connect() as conn:
        dossiers = conn.execute("SELECT count(*) FROM dossiers_dossier").fetchone()[0]
    log(f"{BENCH_DB}: {dossiers} dossiers")
    rebuild_s = 0.0 if args.skip_rebuild else _rebuild()
    targets = _targets()
    with Gunicorn(workers=args.workers):
        from bench.load import login

        # gunicorn listens before its workers have imported Django: on a loaded machine
        # the first answers take long, so each worker is warmed before any login.
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=300) as c:
            for _ in range(args.workers * 2):
                c.get("/dang-nhap/")

        cookies = login(targets["leader"])
        pages = _measure(cookies, _pages(targets), args.requests)
    result = {
        "dossiers": dossiers,
        "rebuild_s": round(rebuild_s, 1),
        "pages": pages,
        "naive": _naive_vs_summary(),
        "load_before": load_before,
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.record:
        _record(result, args.requests, args.workers)


if __name__ == "__main__":
    main()
