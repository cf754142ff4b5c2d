"""Form 07, Sổ theo dõi hồ sơ: a month's register of one service centre holding N dossiers
(default 10,000), built as .xlsx (target: under 3 s) and as A4 landscape PDF.

    .venv/bin/python -m bench.register [--dossiers 10000] [--runs 3] [--no-pdf]

Runs on PostgreSQL in its own database `motcua_bench_register` (dropped and recreated,
then migrated); the dossiers and their register lines are bulk-inserted (the receipts'
own cost is not what is measured here). Times are wall clock, median of --runs for the
.xlsx, one run for the PDF; the query and the file writing are reported apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import time

import django
import psycopg

from bench.common import PG_SERVER, log

DB = os.environ.get("MOTCUA_BENCH_REGISTER_DB", "motcua_bench_register")


def _recreate_database() -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')


def _load(n: int, month: dt.date):
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from motcua.catalog.models import AdministrativeUnit, Agency, Field, Procedure, ServiceCentre
    from motcua.dossiers.models import Channel, Dossier, RegisterEntry, Status

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    province = AdministrativeUnit.objects.create(
        code="37", name="Tỉnh Ninh Bình", division_type="tỉnh"
    )
    agencies = [
        Agency.objects.create(
            identifier=f"000.00.{i:02d}.H37",
            name=name,
            level=Agency.Level.DEPARTMENT,
            unit=province,
            province_code="37",
        )
        for i, name in enumerate(["Sở Xây dựng", "Sở Tư pháp", "Sở Y tế", "Sở Tài chính"], 1)
    ]
    field = Field.objects.create(code="xay-dung", name="Xây dựng")
    procedures = [
        Procedure.objects.create(
            code=f"1.{i:06d}",
            name=f"Cấp giấy phép xây dựng nhà ở riêng lẻ tại đô thị, trường hợp {i}",
            field=field,
            level=Procedure.Level.PROVINCE,
            online_level=Procedure.OnlineLevel.FULL,
            processing_days=Decimal(15),
            result_type="Giấy phép",
            agency=agencies[i % len(agencies)],
        )
        for i in range(20)
    ]
    centre = ServiceCentre.objects.create(
        name="Trung tâm Phục vụ hành chính công tỉnh Ninh Bình",
        parent_line="UBND TỈNH NINH BÌNH",
        unit=province,
        book_code="TTPVHCC",
    )
    centre.agencies.set(agencies)
    start = dt.datetime.combine(month, dt.time(7, 30), tzinfo=tz)
    step = dt.timedelta(days=27) / n
    dossiers = []
    for i in range(n):
        at = start + step * i
        proc = procedures[i % len(procedures)]
        dossiers.append(
            Dossier(
                code=f"{proc.agency.identifier}-{at:%y%m%d}-{i + 1:05d}",
                procedure=proc,
                agency=proc.agency,
                current_agency=proc.agency,
                channel=Channel.ONLINE if i % 3 else Channel.DESK,
                status=Status.PROCESSING if i % 5 else Status.RETURNED,
                applicant_name=f"Nguyễn Văn Dân {i}",
                applicant_id_number=f"0010900{i:05d}",
                applicant_phone="0912345678",
                applicant_address=f"Số {i % 300} đường Trần Hưng Đạo, phường Hoa Lư, Ninh Bình",
                submitted_at=at,
                received_at=at,
                due_at=at + dt.timedelta(days=21),
                original_due_at=at + dt.timedelta(days=21),
                returned_at=None if i % 5 else at + dt.timedelta(days=15),
                province_code="37",
            )
        )
    Dossier.objects.bulk_create(dossiers, batch_size=2000)
    RegisterEntry.objects.bulk_create(
        (
            RegisterEntry(
                dossier=d,
                centre=centre,
                agency_id=d.agency_id,
                book=f"TTPVHCC-{month.year}",
                number=i + 1,
                received_at=d.received_at,
            )
            for i, d in enumerate(dossiers)
        ),
        batch_size=2000,
    )
    return centre


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args(argv)

    _recreate_database()
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    django.setup()
    from django.core.management import call_command

    from motcua.dossiers import documents

    call_command("migrate", verbosity=0)
    month = dt.date(2026, 3, 1)
    t0 = time.perf_counter()
    centre = _load(args.dossiers, month)
    log(f"loaded {args.dossiers} dossiers in {time.perf_counter() - t0:.1f} s")
    book = documents.RegisterBook(centre, None)
    start, end = month, dt.date(2026, 3, 31)

    query = []
    for _ in range(args.runs):
        t = time.perf_counter()
        rows = list(documents.register_rows(documents.register_entries(book, start, end)))
        query.append(time.perf_counter() - t)
    assert len(rows) == args.dossiers, len(rows)

    xlsx, size = [], 0
    for _ in range(args.runs):
        t = time.perf_counter()
        data = documents.register_xlsx(book, start, end)
        xlsx.append(time.perf_counter() - t)
        size = len(data)
    print(
        f"register {args.dossiers} dossiers: rows query median {statistics.median(query):.2f} s; "
        f".xlsx median {statistics.median(xlsx):.2f} s (of {args.runs}; query included), "
        f"{size / 1e6:.1f} MB"
    )
    if not args.no_pdf:
        documents.MAX_REGISTER_PDF_ROWS = args.dossiers  # the bench measures the whole book
        t = time.perf_counter()
        pdf = documents.register_pdf(book, start, end)
        elapsed = time.perf_counter() - t
        import io

        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
        print(
            f"register {args.dossiers} dossiers: PDF (A4 landscape) {elapsed:.1f} s, "
            f"{pages} pages, {len(pdf) / 1e6:.1f} MB; process peak memory {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
