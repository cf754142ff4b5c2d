"""Daily reconciliation with the national portal over the whole bench database.

    MOTCUA_BENCH_DB=w_reconcile_bench .venv/bin/python -m bench.generate --dossiers 1000000
    MOTCUA_BENCH_DB=w_reconcile_bench .venv/bin/python -m bench.reconcile [--differences 200]

The national-systems simulator runs in this process (a real HTTP server on a free port) and
is filled with what a portal that received every status would hold for each dossier of the
database (the reconciled fields, formatted in Python from the columns, independently of the
SQL that Motcua's side runs). Then:

1. a clean run over every day of filing (the generator's three years): digests only;
2. `--differences` dossiers changed on the portal's side, on `--days-hit` different days
   (status, appointment, or the dossier missing), and a second run: digests, then those days
   dossier by dossier, the differing dossiers resent through the outbox; the dossiers found
   must be exactly the ones changed;
3. a run over the default period (MOTCUA_DVCQG_RECONCILE_DAYS, 90 days), as the daily job.

Prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time

from bench.common import app_env, connect, log


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--differences", type=int, default=200)
    parser.add_argument("--days-hit", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    os.environ.update(app_env())
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from motcua.core.models import OutboxMessage
    from motcua.dossiers.models import NATIONAL_STATUS
    from motcua.dvcqg import reconcile, schemas
    from motcua.simulators import server

    # A previous run's resends were never delivered (no worker here): they would make the
    # same dossiers "in flight" now.
    OutboxMessage.objects.filter(key__contains=":doisoat:").delete()
    running = server.start("127.0.0.1:0", systems=["dvcqg"], record_limit=1000)
    portal = running.app.systems["dvcqg"]
    settings.MOTCUA_DVCQG_URL = f"{running.url}/dvcqg"
    settings.MOTCUA_DVCQG_CLIENT_ID = portal.settings["client_id"]
    settings.MOTCUA_DVCQG_CLIENT_SECRET = portal.settings["client_secret"]
    settings.MOTCUA_DVCQG_TIMEOUT = 120

    # --- the portal's side: what it would hold after every status was synced
    t = time.perf_counter()
    fmt = schemas.format_datetime
    count = 0
    with connect(autocommit=False) as conn, conn.cursor(name="national") as cur:
        cur.itersize = 20_000
        cur.execute(
            "SELECT code, status, submitted_at, received_at, due_at, finished_at, returned_at "
            "FROM dossiers_dossier"
        )
        batch = []
        for code, status, submitted, received, due, finished, returned in cur:
            batch.append(
                {
                    "MaHoSo": code,
                    "TrangThaiHoSo": NATIONAL_STATUS[status],
                    "NgayNopHoSo": fmt(submitted),
                    "NgayTiepNhan": fmt(received) if received else "",
                    "NgayHenTra": fmt(due) if due else "",
                    "NgayKetThucXuLy": fmt(finished) if finished else "",
                    "NgayTra": fmt(returned) if returned else "",
                }
            )
            if len(batch) == 20_000:
                count += portal.load_synced(batch)
                batch = []
        count += portal.load_synced(batch)
    fill_s = time.perf_counter() - t
    days = sorted(portal.by_day)
    first, last = schemas.parse_date(days[0]), schemas.parse_date(days[-1])
    log(f"reconcile: portal filled with {count:,} dossiers over {len(days)} days in {fill_s:.1f}s")

    # Where the time goes: each phase of a run, summed.
    phases: dict[str, float] = {}

    def clocked(name: str):
        func = getattr(reconcile, name)

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t

        setattr(reconcile, name, wrapper)

    for name in ("national_digests", "local_digests", "national_rows", "local_rows", "_settle"):
        clocked(name)
    breakdown: dict[str, dict[str, float]] = {}

    def timed(label: str, **kwargs):
        phases.clear()
        t = time.perf_counter()
        run = reconcile.run(**kwargs)
        seconds = time.perf_counter() - t
        breakdown[label] = {k: round(v, 1) for k, v in phases.items()}
        log(f"reconcile: {label}: {reconcile.summary(run)}; phases {breakdown[label]}")
        assert run.status == run.Status.DONE, run.error
        return run, seconds

    # 1. clean
    clean, clean_s = timed("clean", first=first, last=last, trigger="bench")
    assert clean.differing == 0 and clean.dossiers_local == count == clean.dossiers_national

    # 2. differences on some days
    rng = random.Random(args.seed)
    hit_days = rng.sample(days, min(args.days_hit, len(days)))
    changed: set[str] = set()
    per_day = max(1, args.differences // len(hit_days))
    for day in hit_days:
        for code in rng.sample(sorted(portal.by_day[day]), min(per_day, len(portal.by_day[day]))):
            record = portal.synced[code]["record"]
            way = rng.choice(["status", "due", "missing"])
            if way == "status":
                record["TrangThaiHoSo"] = 1 + record["TrangThaiHoSo"] % 10
            elif way == "due":
                record["NgayHenTra"] = "20200101080000"
            else:
                portal.by_day[day].discard(code)
                del portal.synced[code]
            changed.add(code)
    dirty, dirty_s = timed("differences", first=first, last=last, trigger="bench")
    found = set(dirty.rows.values_list("code", flat=True))
    assert found == changed, (len(found), len(changed))
    assert dirty.requeued == len(changed)
    assert dirty.days_differing == len(hit_days)
    queued = OutboxMessage.objects.filter(key__contains=f":doisoat:{dirty.pk}").count()
    assert queued == len(changed)

    # 3. the daily job's period
    _, daily_s = timed("default_period", trigger="bench")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dossiers_dossier")
        total = cursor.fetchone()[0]
    running.stop()
    figures = {
        "dossiers": total,
        "days": len(days),
        "portal_fill_s": round(fill_s, 1),
        "clean_run_s": round(clean_s, 1),
        "run_with_differences_s": round(dirty_s, 1),
        "differences": len(changed),
        "days_differing": len(hit_days),
        "default_period_days": settings.MOTCUA_DVCQG_RECONCILE_DAYS,
        "default_period_dossiers": _last_run_dossiers(),
        "default_period_s": round(daily_s, 1),
        "phases_s": breakdown,
        "load_average": os.getloadavg(),
        "date": dt.date.today().isoformat(),
    }
    print(json.dumps(figures))


def _last_run_dossiers() -> int:
    from motcua.dvcqg.models import ReconciliationRun

    return ReconciliationRun.objects.order_by("-pk").values_list("dossiers_local", flat=True)[0]


if __name__ == "__main__":
    main()
