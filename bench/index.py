"""The service index pages (QĐ 766) through gunicorn on the bench database, at p95, and
the summary path against the naive query over the dossiers it replaces.

    .venv/bin/python -m bench.index [--requests 100] [--workers 2]

Needs a generated bench database (bench.generate; MOTCUA_BENCH_DB names it). The
generator fills the on-time month table; the index's own counters are filled by
`motcua serviceindex_rebuild` first (timed). Then, with one leader of the province logged
in (TOTP enrolled as in bench.load), each page is asked once to warm up, then `requests`
times in a row: median and p95. Last, in this process, the province's year through
selectors.unit_scorecard (what the pages run) against one aggregate over dossiers_dossier
(received, online, returned, late...) for the same year: medians of 5, and the two must
agree on every counter.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time

import httpx

from bench.common import BENCH_DB, PORT, ROOT, VENV_BIN, Gunicorn, app_env, connect, log, percentile


def _rebuild() -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "motcua"), "serviceindex_rebuild"], env=app_env(), cwd=ROOT, check=True
    )
    return time.perf_counter() - t0


def _targets() -> tuple[str, int, int]:
    """A leader of a province-level agency, a department, a commune's unit."""
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
    return leader, dept, commune


def _pages(dept: int, commune: int) -> dict[str, str]:
    return {
        "public scorecard (year)": "/chi-so/",
        "province dashboard (year)": "/chi-so/bang-dieu-hanh/tinh/0/",
        "province dashboard (month)": "/chi-so/bang-dieu-hanh/tinh/0/?ky=thang",
        "department dashboard (year)": f"/chi-so/bang-dieu-hanh/co-quan/{dept}/",
        "commune dashboard (year)": f"/chi-so/bang-dieu-hanh/xa/{commune}/",
        "indicator TD1, department": f"/chi-so/bang-dieu-hanh/co-quan/{dept}/chi-tieu/TD1/",
    }


def _measure(cookies, pages: dict[str, str], n: int) -> dict[str, dict]:
    out = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", cookies=cookies, timeout=60) as c:
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
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 95), 1),
            }
            log(name, out[name])
    return out


def _naive_vs_summary() -> dict:
    import django

    os.environ.update(app_env())
    django.setup()
    from django.db.models import Count, Q
    from django.utils import timezone

    from motcua.dossiers.models import Dossier
    from motcua.serviceindex import selectors as s

    period = s.parse_period({})
    now = timezone.now()

    def summary():
        ctx = s.Context.load(now)
        return s.unit_scorecard(s.province(), period, ctx).counts

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
            open_late=Count("id", filter=Q(status__in=s.OPEN_AFTER_RECEIPT) & late),
        )

    def timed(f):
        f()
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            value = f()
            runs.append((time.perf_counter() - t0) * 1000)
        return value, round(statistics.median(runs), 1)

    fast, fast_ms = timed(summary)
    slow, slow_ms = timed(naive)
    disagree = {k: (fast[k], v) for k, v in slow.items() if fast[k] != v}
    return {
        "period": period.label,
        "summary_ms": fast_ms,
        "naive_ms": slow_ms,
        "received": fast["received"],
        "disagreements": disagree,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with connect() as conn:
        dossiers = conn.execute("SELECT count(*) FROM dossiers_dossier").fetchone()[0]
    log(f"{BENCH_DB}: {dossiers} dossiers")
    rebuild_s = float(os.environ.get("BENCH_INDEX_REBUILD_S") or 0) or _rebuild()
    leader, dept, commune = _targets()
    with Gunicorn(workers=args.workers):
        from bench.load import login

        # gunicorn listens before its workers have imported Django: on a loaded machine
        # the first answers take long, so each worker is warmed before any login.
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=300) as c:
            for _ in range(args.workers * 2):
                c.get("/dang-nhap/")

        cookies = login(leader)
        pages = _measure(cookies, _pages(dept, commune), args.requests)
    result = {
        "dossiers": dossiers,
        "rebuild_s": round(rebuild_s, 1),
        "pages": pages,
        "scorecard": _naive_vs_summary(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
