"""Run the whole bench set and append the figures to bench/RESULTS.md.

    .venv/bin/python -m bench.run            # small: 100 k dossiers, a few minutes (make bench)
    .venv/bin/python -m bench.run --full     # 1 M (everything) then 10 M (generator, dashboard)

Order: generate -> dashboard -> query counts -> pgbench ceiling -> faults -> HTTP load
(the fault test before the load so that its outbox check does not wait for the load's
thousands of messages). Everything talks to 127.0.0.1 only and every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil

from bench import capture_sql, ceiling, dashboard, faults, generate, load
from bench.common import DATA_DIR, append_results, disk_free_gb, log

TARGETS = {
    "submission_vs_ceiling": 0.5,
    "lookup_rps": 500,
    "lookup_p99_ms": 20,
    "year_ontime_ms": 50,
    "generator_rate": 50_000,
}


def fmt_generator(g: dict) -> str:
    return (
        f"| {g['dossiers']:,} | {g['events']:,} | {g['mode']} | {g['copy_s']} | "
        f"{g['copy_rate']:,} | {g['index_s']} | {g['summary_s']} | **{g['rate']:,}** | "
        f"{g['rows_per_s']:,} | {g['vacuum_analyze_s']} | {g['db_size_gb']} |"
    )


GEN_HEADER = [
    "| dossiers | events | mode | COPY s | COPY dossiers/s | indexes+FKs s | summaries s "
    "| end-to-end dossiers/s | rows/s | VACUUM ANALYZE s | DB GB |",
    "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
]
DASH_HEADER = [
    "| dossiers | query | naive GROUP BY ms | summary table ms | agree |",
    "|---:|---|---:|---:|---|",
]


def fmt_dashboard(d: dict) -> list[str]:
    out = []
    for key, label in (
        ("status", "dossiers by status"),
        ("ontime_month", f"on-time by agency, month {d['ontime_month']['period']}"),
        ("ontime_year", f"on-time by agency, year {d['ontime_year']['period']}"),
    ):
        v = d[key]
        out.append(
            f"| {d['dossiers']:,} | {label} | {v['naive_ms']:,.1f} | {v['summary_ms']:.2f} | "
            f"{v['agree']} |"
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="1 M then 10 M dossiers")
    parser.add_argument("--dossiers", type=int, default=None, help="override the size")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-faults", action="store_true")
    parser.add_argument("--no-pg-restart", action="store_true")
    parser.add_argument("--generator-mode", choices=["rebuild", "indexed"], default="rebuild")
    args = parser.parse_args(argv)

    sizes = (
        [args.dossiers] if args.dossiers else ([1_000_000, 10_000_000] if args.full else [100_000])
    )
    big = args.full or (args.dossiers or 0) >= 1_000_000
    load_levels = [1, 4, 8, 16, 32]
    load_requests, load_seconds = (2000, 30) if big else (300, 8)
    fault_n = 600 if big else 150
    lines: list[str] = []
    summary: dict = {"load_avg_at_start": os.getloadavg()}
    for i, n in enumerate(sizes):
        if n >= 10_000_000 and disk_free_gb() < 60:
            lines.append(f"\n10 M skipped: only {disk_free_gb():.0f} GB free on /work.\n")
            continue
        g = generate.generate(n, mode=args.generator_mode)
        d = dashboard.run(explain=(i == len(sizes) - 1))
        lines += ["", "Generator:", "", *GEN_HEADER, fmt_generator(g)]
        lines += ["", "Dashboard:", "", *DASH_HEADER, *fmt_dashboard(d)]
        summary.setdefault("generator", []).append(g)
        summary.setdefault("dashboard", []).append(d)
        if i > 0:
            continue  # the HTTP and fault tests run on the first (smaller) full size
        counts = {k: len(v) for k, v in capture_sql.capture(show=False).items()}
        summary["queries_per_request"] = counts
        lines += ["", "Queries per request: " + ", ".join(f"{k} {v}" for k, v in counts.items())]
        c = ceiling.run([1, 4, 8, 16, 32], 10 if big else 5)
        summary["ceiling"] = c
        best_tps = max(r["tps"] for r in c)
        lines += [
            "",
            "pgbench ceiling (bench/pgbench_submission.sql): "
            + ", ".join(f"c={r['clients']} {r['tps']:.0f} tps" for r in c),
        ]
        if not args.skip_faults:
            f = faults.run_faults(fault_n, 8, not args.no_pg_restart, 300)
            summary["faults"] = f
            lines += [
                "",
                "Faults:",
                "",
                "```",
                *f["timeline"],
                json.dumps(
                    {k: v for k, v in f.items() if k not in ("timeline",)}, ensure_ascii=False
                ),
                "```",
            ]
        if not args.skip_load:
            # The server as `motcua serve` runs it: 2 processes of 4 threads (gthread).
            stats = load.run(load_levels, load_requests, load_seconds, workers=2, threads=4)
            summary["load"] = [s.as_dict() for s in stats]
            lines += [
                "",
                f"HTTP load on {n:,} dossiers (gunicorn -w 2 --threads 4, bench.rawhttp client):",
                "",
            ]
            lines += load.TABLE_HEADER + [s.line() for s in stats]
            submit_best = max((s.rps for s in stats if s.scenario == "submit"), default=0)
            good_lookups = [
                s for s in stats if s.scenario == "lookup" and s.p99_ms < TARGETS["lookup_p99_ms"]
            ]
            lookup_best = max((s.rps for s in stats if s.scenario == "lookup"), default=0)
            summary["submission_vs_ceiling"] = submit_best / best_tps if best_tps else 0
            lines += [
                "",
                f"Submission {submit_best:.1f}/s = {submit_best / best_tps:.0%} of the pgbench "
                f"ceiling {best_tps:.0f} tps (target >= 50 %).",
                f"Lookups: best {lookup_best:.0f} req/s; best with p99 < 20 ms: "
                + (f"{max(s.rps for s in good_lookups):.0f} req/s" if good_lookups else "none")
                + " (target >= 500 req/s with p99 < 20 ms).",
            ]
    media = DATA_DIR / "media"
    if media.exists():
        shutil.rmtree(media)  # uploaded bench files; the database rows stay
    title = "Full run" if args.full else f"Run ({', '.join(f'{s:,}' for s in sizes)} dossiers)"
    lines.insert(0, f"Load average at start: {summary['load_avg_at_start']}")
    append_results(title, lines)
    print("\n".join(lines))
    log("appended to bench/RESULTS.md")


if __name__ == "__main__":
    main()
