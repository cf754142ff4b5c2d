"""The desk's search box and filters on the bench database: the SQL the queue page runs,
its plan (EXPLAIN ANALYZE) and timings.

    MOTCUA_BENCH_DB=... .venv/bin/python -m bench.desk_search [--repeat 7] [--explain]

Takes the desk officer of the agency holding the most dossiers, builds each search with
motcua.desk.selectors.desk_list (exactly what the page runs), and reports the median of
`repeat` runs of the page's two queries (count, first 50 rows) after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench.common import app_env, log


def _setup() -> None:
    os.environ.update(app_env())
    import django

    django.setup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE")
    args = parser.parse_args(argv)
    _setup()

    from django.db import connection
    from django.db.models import Count

    from motcua.catalog.models import Officer
    from motcua.desk.selectors import Criteria, desk_list
    from motcua.dossiers.models import Dossier

    busiest = Dossier.objects.values("agency_id").annotate(n=Count("id")).order_by("-n").first()
    officer = (
        Officer.objects.filter(agency_id=busiest["agency_id"], role=Officer.Role.DESK)
        .select_related("user", "agency")
        .first()
    )
    user = officer.user
    sample = Dossier.objects.filter(agency_id=officer.agency_id).order_by("-id").first()
    total = Dossier.objects.count()
    log(
        f"desk search: {total:,} dossiers; agency {officer.agency.identifier} received "
        f"{busiest['n']:,}; officer {user.username}"
    )
    cases = [
        ("queue (open, no filter)", Criteria()),
        ("code", Criteria(q=sample.code)),
        ("ID number", Criteria(q=sample.applicant_id_number)),
        ("phone", Criteria(q=sample.applicant_phone)),
        ("name, no diacritics", Criteria(q="nguyen thi lan")),
        ("name, part", Criteria(q="Hữu Hùng")),
        ("procedure + channel", Criteria(procedure=sample.procedure.code, channel="online")),
        ("status returned (closed)", Criteria(status="returned")),
        ("due within 3 working days", Criteria(due_within=3)),
        ("overdue", Criteria(overdue=True)),
    ]
    print("| search | rows | count ms | first page ms |")
    print("|---|---:|---:|---:|")
    for label, criteria in cases:
        qs = desk_list(user, criteria)
        n = qs.count()
        list(qs[:50])
        counts, pages = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            qs.count()
            counts.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            list(qs[:50])
            pages.append((time.perf_counter() - t) * 1000)
        print(
            f"| {label} | {n:,} | {statistics.median(counts):.1f} | "
            f"{statistics.median(pages):.1f} |"
        )
        if args.explain:
            sql, params = qs[:50].query.sql_with_params()
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " + sql, params)
                plan = "\n".join(r[0] for r in cur.fetchall())
            print(f"\n-- {label}\n{plan}\n")


if __name__ == "__main__":
    main()
