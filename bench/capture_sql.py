"""List the SQL one API submission (and one receive + assign) executes, in order.

    .venv/bin/python -m bench.capture_sql [--action receive]

Runs inside this process with Django's test client against the bench database (it really
creates one dossier there), recording every statement with CaptureQueriesContext. Used to
write bench/pgbench_submission.sql and to count queries per request.
"""

from __future__ import annotations

import argparse
import os
import uuid

from bench.common import app_env, citizen_id_number
from bench.load import pdf_bytes


def setup_django() -> None:
    os.environ.update(app_env(MOTCUA_ALLOWED_HOSTS="testserver,127.0.0.1"))
    import django

    django.setup()


def verified_officer_session(client, user) -> None:
    """Log an officer in with a verified second factor, as after the TOTP step."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def forget_bench_devices() -> None:
    """The load test logs the same officers in through the pages and enrols them there."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(name="bench").delete()


def capture(show: bool = True) -> dict[str, list[str]]:
    setup_django()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.generate import token_for
    from motcua.catalog.models import Agency, Procedure

    procedure = Procedure.objects.filter(agency__isnull=False).order_by("id").first()
    components = list(procedure.components.order_by("id"))
    client = Client(HTTP_AUTHORIZATION=f"Token {token_for('citizen.1')}")
    body = {
        "procedure_code": procedure.code,
        "applicant_name": "Nguyễn Văn Đo",
        "applicant_id_number": citizen_id_number(1),
    }
    for c in components:
        body[f"component_{c.pk}"] = SimpleUploadedFile("to-khai.pdf", pdf_bytes(100 * 1024))
    out: dict[str, list[str]] = {}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            "/api/v1/dossiers/", body, HTTP_IDEMPOTENCY_KEY=f"capture-{uuid.uuid4().hex}"
        )
    assert response.status_code == 201, response.content[:500]
    out["submit"] = [q["sql"] for q in ctx.captured_queries]
    code = response.json()["code"]
    agency = Agency.objects.get(identifier=procedure.agency.identifier)
    desk = Client(HTTP_AUTHORIZATION=f"Token {token_for(f'desk.{agency.pk}')}")
    with CaptureQueriesContext(connection) as ctx:
        r = desk.post(
            f"/api/v1/dossiers/{code}/actions/receive/", {}, content_type="application/json"
        )
    assert r.status_code == 200, r.content[:500]
    out["receive"] = [q["sql"] for q in ctx.captured_queries]
    with CaptureQueriesContext(connection) as ctx:
        r = desk.post(
            f"/api/v1/dossiers/{code}/actions/assign/",
            {"to_agency": agency.identifier, "to_user": f"specialist.{agency.pk}"},
            content_type="application/json",
        )
    assert r.status_code == 200, r.content[:500]
    out["assign"] = [q["sql"] for q in ctx.captured_queries]
    citizen = Client(HTTP_AUTHORIZATION=f"Token {token_for('citizen.1')}")
    with CaptureQueriesContext(connection) as ctx:
        r = citizen.get(f"/api/v1/dossiers/{code}/")
    out["lookup (owner)"] = [q["sql"] for q in ctx.captured_queries]
    with CaptureQueriesContext(connection) as ctx:
        r = desk.get(f"/api/v1/dossiers/{code}/")
    out["lookup (officer)"] = [q["sql"] for q in ctx.captured_queries]
    desk_session = Client()
    from django.contrib.auth.models import User

    verified_officer_session(desk_session, User.objects.get(username=f"desk.{agency.pk}"))
    with CaptureQueriesContext(connection) as ctx:
        r = desk_session.get("/mot-cua/")
    assert r.status_code == 200
    out["desk queue page"] = [q["sql"] for q in ctx.captured_queries]
    forget_bench_devices()
    if show:
        for name, queries in out.items():
            print(f"\n=== {name}: {len(queries)} queries")
            for i, sql in enumerate(queries, 1):
                print(f"{i:3d}. {sql[:400]}")
    return out


def explain_queue() -> None:
    """EXPLAIN ANALYZE every query of the desk queue page of the busiest desk."""
    setup_django()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load import busiest_desks

    username = busiest_desks(1)[0]
    client = Client()
    verified_officer_session(client, User.objects.get(username=username))
    client.get("/mot-cua/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/mot-cua/")
    print(f"desk queue page of {username}: {len(ctx.captured_queries)} queries")
    with connection.cursor() as cursor:
        for q in ctx.captured_queries:
            sql = q["sql"]
            print(f"\n-- {q['time']} s: {sql[:300]}")
            if sql.startswith("SELECT") and "dossiers_dossier" in sql:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                print("\n".join(r[0] for r in cursor.fetchall()))
    forget_bench_devices()


def profile_lookup(n: int = 300) -> None:
    """cProfile of n owner lookups through the whole Django stack, in this process."""
    import cProfile
    import pstats

    setup_django()
    from django.test import Client

    from bench.load import owned_codes

    pairs = owned_codes(n)
    client = Client()
    for code, token in pairs[:5]:
        client.get(f"/api/v1/dossiers/{code}/", HTTP_AUTHORIZATION=f"Token {token}")
    profiler = cProfile.Profile()
    profiler.enable()
    for code, token in pairs:
        client.get(f"/api/v1/dossiers/{code}/", HTTP_AUTHORIZATION=f"Token {token}")
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--explain-queue", action="store_true")
    parser.add_argument("--profile-lookup", action="store_true")
    args = parser.parse_args(argv)
    if args.explain_queue:
        explain_queue()
    elif args.profile_lookup:
        profile_lookup()
    else:
        capture()


if __name__ == "__main__":
    main()
