"""Fill the bench database with a realistic province, fast, with COPY.

    .venv/bin/python -m bench.generate --dossiers 100000 [--mode rebuild|indexed] [--workers 2]

One province: 200 agencies (the People's Committee, 24 departments, 175 communes), 2,000
procedures with 2 components each, 600 officers (desk, specialist, leader per agency),
2,000 citizens with API tokens; then N dossiers spread over the last 3 years (weekdays
heavier, slow growth) with their events (the process control sheet), and the tables the
services keep alongside: core_dailycounter (the max number per agency and day, so a new
submission continues the sequence), dossiers_agencystatuscount and
dossiers_agencymonthstats (filled with one INSERT ... SELECT ... GROUP BY at the end).

A dossier's life is drawn first (intake delay, processing time against its appointment,
return delay, a few refused, withdrawn, stopped, supplemented, paying), and its status is
where "now" falls on that life: old dossiers are returned, recent ones in progress, and a
small stuck tail is open and overdue. Working time is approximated (1 working day = 1.4
calendar days), so due dates are plausible rather than exact.

Ids are given explicitly (event id = dossier id * 8 + k), so workers need no round trip;
identity sequences are moved past them at the end.

Modes: `rebuild` drops the indexes and constraints of dossiers_dossier and dossiers_event,
COPYs, then recreates them (two at a time) and validates the foreign keys; `indexed`
COPYs batch by batch into the fully indexed tables. RESULTS.md has both timings.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import datetime as dt
import hashlib
import json
import multiprocessing as mp
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import psycopg

from bench.common import (
    BENCH_DB,
    DATA_DIR,
    PASSWORD,
    ROOT,
    VENV_BIN,
    app_env,
    connect,
    log,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE = "37"
SUFFIX = "H37"
N_AGENCIES = 200
N_DEPARTMENTS = 24
N_PROCEDURES = 2000
N_CITIZENS = 2000
YEARS = 3
BIG_TABLES = ["dossiers_dossier", "dossiers_event"]
EVENT_ID_STRIDE = 8  # at most 8 events per generated dossier

NATIONAL = {
    "submitted": 1,
    "received": 2,
    "rejected": 3,
    "processing": 4,
    "approved": 4,
    "supplement": 5,
    "payment": 6,
    "withdrawn": 7,
    "stopped": 8,
    "done": 9,
    "returned": 10,
}
FIELDS = [
    "Hộ tịch",
    "Chứng thực",
    "Đất đai",
    "Xây dựng",
    "Kinh doanh",
    "Giáo dục",
    "Y tế",
    "Lao động",
    "Bảo trợ xã hội",
    "Người có công",
    "Tư pháp",
    "Văn hóa",
    "Du lịch",
    "Giao thông",
    "Môi trường",
    "Tài nguyên nước",
    "Nông nghiệp",
    "Lâm nghiệp",
    "Thủy sản",
    "Công thương",
    "Khoa học công nghệ",
    "Thông tin truyền thông",
    "Nội vụ",
    "Tôn giáo",
    "Thi đua khen thưởng",
    "Tài chính",
    "Đầu tư",
    "Thuế",
    "Dân tộc",
    "Thanh tra",
]
VERBS = ["Cấp", "Cấp lại", "Điều chỉnh", "Gia hạn", "Đăng ký", "Xác nhận", "Thẩm định", "Công nhận"]
OBJECTS = [
    "giấy phép",
    "giấy chứng nhận",
    "chứng chỉ hành nghề",
    "giấy xác nhận",
    "quyết định",
    "văn bản chấp thuận",
    "bản sao trích lục",
    "thông báo",
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "Thanh", "Quang", "Thu", "Hữu", "Gia"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Mai", "Nam"]
STREETS = ["Trần Hưng Đạo", "Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung"]


def token_for(username: str) -> str:
    """The API token of a bench account (40 hex characters), known to every script."""
    return hashlib.sha1(f"motcua-bench:{username}".encode()).hexdigest()  # noqa: S324


def password_hash() -> str:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    return hasher.encode(PASSWORD, base64.b32encode(b"motcua-bench").decode()[:16])


# --- plan ---------------------------------------------------------------------------


@dataclass
class Agency:
    id: int
    identifier: str
    level: str
    weight: float
    late_rate: float
    procedures: list[int] = field(default_factory=list)
    desk: int = 0
    specialist: int = 0
    leader: int = 0


@dataclass
class Plan:
    """Everything a worker needs, picklable."""

    seed: int
    now_min: int  # local minutes since the epoch (local wall clock), see local_minutes()
    first_day: int  # local day number of the first day
    n_days: int
    day_counts: list[int]
    agencies: list[Agency]
    agency_cum: list[float]
    proc_days: dict[int, float]
    proc_subject: dict[int, str]
    commune_procs: list[int]
    citizens: list[int]
    dossier_id_base: list[int]  # first dossier id of each day


def local_minutes(moment: dt.datetime) -> int:
    """Wall-clock minutes in Vietnam since 1970-01-01 00:00 local (no DST there)."""
    local = moment.astimezone(TZ).replace(tzinfo=None)
    return int((local - dt.datetime(1970, 1, 1)).total_seconds() // 60)


def spread(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights that add up to total (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[:rest]:
        out[i] += 1
    return out


# --- catalogue (small: plain executemany/COPY) ----------------------------------------


def load_catalogue(conn: psycopg.Connection, rng: random.Random) -> dict:
    """Units, fields, agencies, procedures, components, users, officers, tokens."""
    now = dt.datetime.now(dt.UTC)
    cur = conn.cursor()
    cur.execute(
        "INSERT INTO catalog_administrativeunit (id, code, name, division_type, codename, "
        "parent_id) VALUES (1, %s, 'Tỉnh Bench', 'tỉnh', 'tinh_bench', NULL)",
        [PROVINCE],
    )
    n_communes = N_AGENCIES - 1 - N_DEPARTMENTS
    with cur.copy(
        "COPY catalog_administrativeunit (id, code, name, division_type, codename, parent_id) "
        "FROM STDIN"
    ) as copy:
        for i in range(1, n_communes + 1):
            copy.write_row((i + 1, f"{PROVINCE}{i:03d}", f"Xã Bench {i}", "xã", f"xa_{i}", 1))
    with cur.copy("COPY catalog_field (id, code, name) FROM STDIN") as copy:
        for i, name in enumerate(FIELDS, start=1):
            copy.write_row((i, f"linh-vuc-{i}", name))

    agencies: list[Agency] = []
    rows = []
    agencies.append(Agency(1, f"000.00.00.{SUFFIX}", "province", 3.0, 0.08))
    rows.append((1, agencies[0].identifier, "Ủy ban nhân dân Tỉnh Bench", "province", None, 1))
    for d in range(1, N_DEPARTMENTS + 1):
        a = Agency(
            d + 1,
            f"000.00.{d:02d}.{SUFFIX}",
            "department",
            rng.uniform(4, 40),
            rng.uniform(0.03, 0.25),
        )
        agencies.append(a)
        rows.append((a.id, a.identifier, f"Sở Bench số {d}", "department", 1, 1))
    for c in range(1, n_communes + 1):
        a = Agency(
            N_DEPARTMENTS + 1 + c,
            f"{c:03d}.10.00.{SUFFIX}",
            "commune",
            rng.paretovariate(2.0),
            rng.uniform(0.02, 0.2),
        )
        agencies.append(a)
        rows.append((a.id, a.identifier, f"Ủy ban nhân dân Xã Bench {c}", "commune", 1, c + 1))
    with cur.copy(
        "COPY catalog_agency (id, identifier, name, short_key, level, address, province_code, "
        "is_active, parent_id, unit_id) FROM STDIN"
    ) as copy:
        for aid, ident, name, level, parent, unit in rows:
            copy.write_row((aid, ident, name, f"a{aid}", level, "", PROVINCE, True, parent, unit))

    from motcua.core.text import fold

    proc_days: dict[int, float] = {}
    proc_subject: dict[int, str] = {}
    commune_procs: list[int] = []
    dept = agencies[: N_DEPARTMENTS + 1]
    choices_days = [0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30]
    with cur.copy(
        "COPY catalog_procedure (id, code, name, search_text, level, online_level, "
        "processing_days, fee_vnd, charge_vnd, fee_note, result_type, legal_basis, is_active, "
        "agency_id, field_id) FROM STDIN"
    ) as copy:
        for p in range(1, N_PROCEDURES + 1):
            field_id = rng.randrange(len(FIELDS)) + 1
            name = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {FIELDS[field_id - 1].lower()} {p}"
            code = f"2.{p:06d}"
            commune_level = p % 5 < 2  # 40 % are done by every commune
            agency_id = None
            if commune_level:
                commune_procs.append(p)
            else:
                owner = dept[(p * 7 // 5) % len(dept)]
                owner.procedures.append(p)
                agency_id = owner.id
            days = rng.choice(choices_days)
            proc_days[p] = days
            proc_subject[p] = name
            copy.write_row(
                (
                    p,
                    code,
                    name,
                    fold(f"{code} {name} {FIELDS[field_id - 1]}"),
                    "commune" if commune_level else "province",
                    rng.choice(["full", "partial"]),
                    days,
                    rng.choice([0, 0, 50000, 100000]),
                    0,
                    "",
                    name.split(" ", 1)[1],
                    "",
                    True,
                    agency_id,
                    field_id,
                )
            )
    with cur.copy(
        'COPY catalog_component (id, procedure_id, name, copies, required, "order") FROM STDIN'
    ) as copy:
        for p in range(1, N_PROCEDURES + 1):
            copy.write_row((2 * p - 1, p, "Tờ khai theo mẫu", 1, True, 0))
            copy.write_row((2 * p, p, "Giấy tờ chứng minh", 1, True, 1))

    pw = password_hash()
    users = []
    uid = 0
    officers = []
    for a in agencies:
        for role in ("desk", "specialist", "leader"):
            uid += 1
            username = f"{role}.{a.id}"
            users.append((uid, username, "Cán bộ", f"{role} {a.id}"))
            officers.append((uid, uid, a.id, role))
            setattr(a, role, uid)
    citizens = []
    for c in range(1, N_CITIZENS + 1):
        uid += 1
        users.append((uid, f"citizen.{c}", f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)}", "Dân"))
        citizens.append(uid)
    with cur.copy(
        "COPY auth_user (id, password, last_login, is_superuser, username, first_name, "
        "last_name, email, is_staff, is_active, date_joined) FROM STDIN"
    ) as copy:
        for uid, username, first, last in users:
            copy.write_row((uid, pw, None, False, username, first, last, "", False, True, now))
    with cur.copy("COPY catalog_officer (id, user_id, agency_id, role, title) FROM STDIN") as copy:
        for oid, uid, aid, role in officers:
            copy.write_row((oid, uid, aid, role, ""))
    with cur.copy("COPY authtoken_token (key, created, user_id) FROM STDIN") as copy:
        for uid, username, *_ in users:
            copy.write_row((token_for(username), now, uid))
    for table in [
        "catalog_administrativeunit",
        "catalog_field",
        "catalog_agency",
        "catalog_procedure",
        "catalog_component",
        "auth_user",
        "catalog_officer",
    ]:
        fix_sequence(cur, table)
    return {
        "agencies": agencies,
        "proc_days": proc_days,
        "proc_subject": proc_subject,
        "commune_procs": commune_procs,
        "citizens": citizens,
    }


def fix_sequence(cur: psycopg.Cursor, table: str) -> None:
    cur.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
        f"GREATEST((SELECT max(id) FROM {table}), 1))"
    )


def make_plan(n: int, seed: int, catalogue: dict) -> Plan:
    now = dt.datetime.now(dt.UTC)
    now_min = local_minutes(now)
    today = now_min // 1440
    first_day = today - 365 * YEARS
    n_days = today - first_day + 1
    weights = []
    for i in range(n_days):
        weekday = (first_day + i + 3) % 7  # 1970-01-01 was a Thursday (3)
        w = 1.0 if weekday < 5 else (0.12 if weekday == 5 else 0.05)
        w *= 1.0 + 0.3 * i / n_days  # more dossiers every year
        weights.append(w)
    # Today is not over: only the part of it that has passed.
    weights[-1] *= max(0.05, min(1.0, (now_min % 1440) / 1440))
    day_counts = spread(n, weights)
    base = [1]
    for c in day_counts[:-1]:
        base.append(base[-1] + c)
    agencies = catalogue["agencies"]
    cum = []
    s = 0.0
    for a in agencies:
        s += a.weight
        cum.append(s)
    return Plan(
        seed=seed,
        now_min=now_min,
        first_day=first_day,
        n_days=n_days,
        day_counts=day_counts,
        agencies=agencies,
        agency_cum=cum,
        proc_days=catalogue["proc_days"],
        proc_subject=catalogue["proc_subject"],
        commune_procs=catalogue["commune_procs"],
        citizens=catalogue["citizens"],
        dossier_id_base=base,
    )


# --- the hot loop ---------------------------------------------------------------------

DOSSIER_COLS = (
    "id, code, channel, status, applicant_name, applicant_id_number, applicant_phone, "
    "applicant_email, applicant_address, subject, submitted_at, intake_due_at, received_at, "
    "clock_started_at, due_at, original_due_at, paused_at, paused_minutes, supplement_count, "
    "apologised_at, finished_at, returned_at, result_code, return_method, province_code, "
    "agency_id, applicant_id, current_agency_id, current_assignee_id, procedure_id"
)
EVENT_COLS = (
    "id, dossier_id, action, from_status, to_status, national_status, actor_id, actor_name, "
    "agency_id, at, note, data, province_code"
)
N = "\\N"
WORK_START = 7 * 60 + 30
WORK_SPAN = 9 * 60 + 30  # 07:30 .. 17:00 (lunch ignored)
DAY = 1440


def _timestamp_tables(plan: Plan) -> tuple[int, list[str], list[str]]:
    """Text of every local day and minute, so a timestamp is two list lookups."""
    base = plan.first_day - 5
    days = []
    for d in range(base, plan.first_day + plan.n_days + 800):
        date = dt.date(1970, 1, 1) + dt.timedelta(days=d)
        days.append(date.isoformat() + " ")
    minutes = [f"{m // 60:02d}:{m % 60:02d}:00+07" for m in range(DAY)]
    return base, days, minutes


def generate_days(
    plan: Plan, worker: int, workers: int, counter, out_dossier, out_event, out_counter
) -> None:
    """Generate the days `worker` owns (every `workers`-th day) and hand text to the
    three writers (callables taking a str of COPY text lines)."""
    rng = random.Random(plan.seed * 1000 + worker)
    rand = rng.random
    day_base, day_text, minute_text = _timestamp_tables(plan)

    # Every minute of the period as text: a timestamp is one list lookup.
    ts_base = day_base * DAY
    ts_text = [d + m for d in day_text for m in minute_text]

    now = plan.now_min
    agencies = plan.agencies
    cum = plan.agency_cum
    total_w = cum[-1]
    proc_minutes = {p: int(d * DAY * 1.4) for p, d in plan.proc_days.items()}
    subjects = plan.proc_subject
    commune_procs = plan.commune_procs
    citizens = plan.citizens
    n_cit = len(citizens)
    names = [f"{s} {m} {g}" for s in SURNAMES for m in MIDDLE for g in GIVEN]
    n_names = len(names)
    addresses = [f"{k} {s}, Tỉnh Bench" for s in STREETS for k in range(1, 60)]
    n_addr = len(addresses)
    prov = PROVINCE
    return_methods = ["desk", "desk", "online", "post"]
    # Pieces of an event line: action with its statuses, actor, and the tail.
    act_text = {
        "submit": "submit\t\tsubmitted\t1\t",
        "receive": "receive\tsubmitted\treceived\t2\t",
        "refuse": "refuse\tsubmitted\trejected\t3\t",
        "withdraw": "withdraw\treceived\twithdrawn\t7\t",
        "request_supplement": "request_supplement\treceived\tsupplement\t5\t",
        "complete_supplement": "complete_supplement\tsupplement\treceived\t2\t",
        "assign": "assign\treceived\tprocessing\t4\t",
        "request_payment": "request_payment\tprocessing\tpayment\t6\t",
        "confirm_payment": "confirm_payment\tpayment\tprocessing\t4\t",
        "stop": "stop\tprocessing\tstopped\t8\t",
        "approve": "approve\tprocessing\tapproved\t4\t",
        "finish": "finish\tapproved\tdone\t9\t",
        "return_result": "return_result\tdone\treturned\t10\t",
    }
    actor_text: dict[int | None, str] = {None: "\\N\t\t\\N\t"}
    for a in agencies:
        for role in ("desk", "specialist", "leader"):
            uid = getattr(a, role)
            actor_text[uid] = f"{uid}\tCán bộ {role} {a.id}\t{a.id}\t"
    for uid in citizens:
        actor_text[uid] = f"{uid}\t\t\\N\t"
    submit_tail = {
        c: f'\t\t{{"channel": "{c}", "files": []}}\t{PROVINCE}\n'
        for c in ("online", "desk", "post")
    }
    tail = f"\t\t{{}}\t{PROVINCE}\n"

    dossiers: list[str] = []
    events: list[str] = []
    done_since_flush = 0

    for day_index in range(worker, plan.n_days, workers):
        count = plan.day_counts[day_index]
        if count == 0:
            continue
        day = plan.first_day + day_index
        day_start = day * DAY
        yymmdd = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).strftime("%y%m%d")
        seqs = [0] * len(agencies)
        did = plan.dossier_id_base[day_index]
        today = day_index == plan.n_days - 1
        span_limit = (now - day_start) if today else DAY
        for _ in range(count):
            ai = bisect.bisect_left(cum, rand() * total_w)
            if ai >= len(agencies):
                ai = len(agencies) - 1
            a = agencies[ai]
            seqs[ai] += 1
            seq = seqs[ai]
            if a.level == "commune":
                proc = commune_procs[int(rand() * len(commune_procs))]
            else:
                proc = a.procedures[int(rand() * len(a.procedures))]
            code = f"{a.identifier}-{yymmdd}-{seq:04d}"
            r = rand()
            if r < 0.42:
                channel = "online"
                sub = day_start + 360 + int(rand() * 1020)  # 06:00 .. 23:00
                applicant = citizens[int(rand() * n_cit)]
            else:
                channel = "desk" if r < 0.95 else "post"
                sub = day_start + WORK_START + int(rand() * WORK_SPAN)
                applicant = None
            if sub >= now:
                sub = day_start + int(rand() * max(1, span_limit))
            # --- the dossier's life --------------------------------------------------
            budget = proc_minutes[proc]
            intake_due = N
            if channel == "online":
                intake_due = ts_text[sub + 900 - ts_base]
                rec = sub + (30 + int(rand() * (900 - 30)))
            else:
                rec = sub
            path = rand()
            late = rand() < a.late_rate
            supplement = 0
            paused = 0
            status = "returned"
            # each event: (action, from, to, at, actor)
            ev = [("submit", "", "submitted", sub, applicant if applicant else a.desk)]
            received_at = clock = due = finished = returned = paused_at = None
            assignee = None
            ret_method = ""
            if path < 0.02:  # refused at intake
                t = rec
                if t <= now:
                    ev.append(("refuse", "submitted", "rejected", t, a.desk))
                    status, finished = "rejected", t
                else:
                    status = "submitted"
            elif rec > now:
                status = "submitted"
            else:
                received_at = clock = rec
                due = rec + budget
                ev.append(("receive", "submitted", "received", rec, a.desk))
                status = "received"
                t = rec + (20 + int(rand() * (600 - 20)))
                cur_from = "received"
                if path < 0.035:  # withdrawn by the applicant
                    if t <= now:
                        ev.append(("withdraw", "received", "withdrawn", t, a.desk))
                        status, finished = "withdrawn", t
                    t = None
                elif path < 0.095:  # supplement requested once, then resumed
                    if t <= now:
                        ev.append(("request_supplement", "received", "supplement", t, a.desk))
                        status, paused_at, supplement = "supplement", t, 1
                        back = t + (DAY + int(rand() * (6 * DAY - DAY)))
                        if back <= now:
                            ev.append(
                                ("complete_supplement", "supplement", "received", back, applicant)
                            )
                            paused += back - t
                            paused_at = None
                            status = "received"
                            clock = back
                            due = back + budget
                            t = back + (20 + int(rand() * (600 - 20)))
                        else:
                            t = None
                    else:
                        t = None
                if t is not None:
                    if t > now:
                        pass  # still received, not yet assigned
                    else:
                        ev.append(("assign", cur_from, "processing", t, a.desk))
                        status, assignee = "processing", a.specialist
                        span = due - clock
                        if late:
                            fin = clock + int(span * (1.02 + rand() * 0.6)) + 60
                        else:
                            fin = clock + int(span * (0.15 + rand() * 0.83))
                        if fin <= t:
                            fin = t + 30
                        stuck = rand() < 0.004  # never finished: the overdue tail
                        payment = 0.095 <= path < 0.19
                        if payment:
                            pt = t + (fin - t) // 3
                            if pt <= now:
                                ev.append(
                                    ("request_payment", "processing", "payment", pt, a.specialist)
                                )
                                status, paused_at = "payment", pt
                                pc = pt + (60 + int(rand() * (3 * DAY - 60)))
                                if pc <= now:
                                    ev.append(
                                        ("confirm_payment", "payment", "processing", pc, a.desk)
                                    )
                                    status, paused_at = "processing", None
                                    moved = pc - pt
                                    paused += moved
                                    due += moved
                                    fin += moved
                                else:
                                    fin = None
                            else:
                                pass
                        if path > 0.995 and not stuck:  # stopped by the leader
                            st = t + 120
                            if st <= now and status == "processing":
                                ev.append(("stop", "processing", "stopped", st, a.leader))
                                status, finished, assignee = "stopped", st, None
                            fin = None
                        if stuck:
                            fin = None
                        if fin is not None and status == "processing":
                            ap = max(fin - (10 + int(rand() * (240 - 10))), ev[-1][3] + 5)
                            fin = max(fin, ap + 5)
                            if ap <= now:
                                ev.append(("approve", "processing", "approved", ap, a.leader))
                                status = "approved"
                                if fin <= now:
                                    ev.append(("finish", "approved", "done", fin, a.specialist))
                                    status, finished, assignee = "done", fin, None
                                    back = fin + (30 + int(rand() * (5 * DAY - 30)))
                                    if back <= now and rand() < 0.97:
                                        ev.append(
                                            ("return_result", "done", "returned", back, a.desk)
                                        )
                                        status, returned = "returned", back
                                        ret_method = return_methods[int(rand() * 4)]
            # --- text rows -----------------------------------------------------------
            result = f"{code}-KQ1" if status in ("done", "returned") else ""
            t_rec = N if received_at is None else ts_text[received_at - ts_base]
            t_clock = N if clock is None else ts_text[clock - ts_base]
            t_due = N if due is None else ts_text[due - ts_base]
            t_paused = N if paused_at is None else ts_text[paused_at - ts_base]
            t_fin = N if finished is None else ts_text[finished - ts_base]
            t_ret = N if returned is None else ts_text[returned - ts_base]
            id_number = 10**11 + int(rand() * 9 * 10**11)
            dossiers.append(
                f"{did}\t{code}\t{channel}\t{status}\t{names[int(rand() * n_names)]}\t"
                f"{id_number}\t09{int(rand() * 10**8):08d}\t\t"
                f"{addresses[int(rand() * n_addr)]}\t{subjects[proc]}\t"
                f"{ts_text[sub - ts_base]}\t{intake_due}\t{t_rec}\t{t_clock}\t{t_due}\t{t_due}\t"
                f"{t_paused}\t{paused}\t{supplement}\t\\N\t{t_fin}\t{t_ret}\t{result}\t"
                f"{ret_method}\t{prov}\t{a.id}\t{N if applicant is None else applicant}\t"
                f"{a.id}\t{N if assignee is None else assignee}\t{proc}\n"
            )
            eid = did * EVENT_ID_STRIDE
            prefix = f"\t{did}\t"
            events.append(
                f"{eid}{prefix}{act_text['submit']}{actor_text[ev[0][4]]}"
                f"{ts_text[sub - ts_base]}{submit_tail[channel]}"
            )
            for k in range(1, len(ev)):
                action, _, _, at, actor = ev[k]
                events.append(
                    f"{eid + k}{prefix}{act_text[action]}{actor_text[actor]}"
                    f"{ts_text[at - ts_base]}{tail}"
                )
            did += 1
        # counters: the max number per agency this day
        out_counter(
            "".join(
                f"{agencies[i].identifier}\t{dt.date(1970, 1, 1) + dt.timedelta(days=day)}\t{s}\n"
                for i, s in enumerate(seqs)
                if s
            )
        )
        done_since_flush += count
        if len(dossiers) >= 4000:
            out_dossier("".join(dossiers))
            out_event("".join(events))
            dossiers.clear()
            events.clear()
            with counter.get_lock():
                counter.value += done_since_flush
            done_since_flush = 0
    if dossiers:
        out_dossier("".join(dossiers))
        out_event("".join(events))
    with counter.get_lock():
        counter.value += done_since_flush


def _session(conn: psycopg.Connection) -> None:
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET work_mem = '256MB'")


def worker_main(plan: Plan, worker: int, workers: int, mode: str, counter, errors) -> None:
    try:
        if mode == "rebuild":
            _worker_streaming(plan, worker, workers, counter)
        else:
            _worker_batched(plan, worker, workers, counter)
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        errors.put(f"worker {worker}: {exc!r}")
        raise


def _worker_streaming(plan: Plan, worker: int, workers: int, counter) -> None:
    """Three connections, three long COPYs, one commit each at the end."""
    c1, c2, c3 = (connect(autocommit=False) for _ in range(3))
    for c in (c1, c2, c3):
        _session(c)
    with (
        c1.cursor().copy(f"COPY dossiers_dossier ({DOSSIER_COLS}) FROM STDIN") as cd,
        c2.cursor().copy(f"COPY dossiers_event ({EVENT_COLS}) FROM STDIN") as ce,
        c3.cursor().copy("COPY core_dailycounter (scope, day, value) FROM STDIN") as cc,
    ):
        generate_days(plan, worker, workers, counter, cd.write, ce.write, cc.write)
    for c in (c1, c2, c3):
        c.commit()
        c.close()


def _worker_batched(plan: Plan, worker: int, workers: int, counter) -> None:
    """One connection; each batch = COPY dossiers + COPY events + commit (FKs checked)."""
    conn = connect(autocommit=False)
    _session(conn)
    cur = conn.cursor()
    pending: dict[str, list[str]] = {"d": [], "e": [], "c": []}

    def flush() -> None:
        if pending["d"]:
            with cur.copy(f"COPY dossiers_dossier ({DOSSIER_COLS}) FROM STDIN") as copy:
                for chunk in pending["d"]:
                    copy.write(chunk)
            with cur.copy(f"COPY dossiers_event ({EVENT_COLS}) FROM STDIN") as copy:
                for chunk in pending["e"]:
                    copy.write(chunk)
        if pending["c"]:
            with cur.copy("COPY core_dailycounter (scope, day, value) FROM STDIN") as copy:
                for chunk in pending["c"]:
                    copy.write(chunk)
        conn.commit()
        for v in pending.values():
            v.clear()

    def on_dossier(text: str) -> None:
        pending["d"].append(text)

    def on_event(text: str) -> None:
        pending["e"].append(text)
        flush()  # events always follow their dossiers

    generate_days(plan, worker, workers, counter, on_dossier, on_event, pending["c"].append)
    flush()
    conn.close()


# --- indexes and constraints ------------------------------------------------------------


@dataclass
class Saved:
    constraints: list[tuple[str, str, str, str]]  # (table, name, type, definition)
    indexes: list[tuple[str, str]]  # (name, definition)


def save_and_drop(conn: psycopg.Connection, tables: list[str]) -> Saved:
    cur = conn.cursor()
    regs = [f"'{t}'::regclass" for t in tables]
    cur.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype IN ('p', 'u', 'f') AND "
        f"(conrelid IN ({', '.join(regs)}) OR confrelid IN ({', '.join(regs)}))"
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        f"WHERE i.indrelid IN ({', '.join(regs)}) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN "
        "('p', 'u'))"
    )
    indexes = cur.fetchall()
    for table, name, _kind, _ in sorted(constraints, key=lambda c: c[2] != "f"):
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    return Saved(constraints, indexes)


def recreate(saved: Saved, parallel: int = 2) -> dict[str, float]:
    """Primary/unique keys and indexes two at a time, then the foreign keys."""
    timings: dict[str, float] = {}

    def run(sql: str, label: str) -> None:
        with connect() as conn:
            _session(conn)
            conn.execute("SET max_parallel_maintenance_workers = 0")
            t = time.perf_counter()
            conn.execute(sql)
            timings[label] = time.perf_counter() - t

    keys = [
        (f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}', n)
        for t, n, k, d in saved.constraints
        if k in "pu"
    ]
    idx = [(d, n) for n, d in saved.indexes]
    # Biggest tables first so the two lanes finish together.
    jobs = sorted(keys + idx, key=lambda j: "dossiers_event" not in j[0])
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(lambda j: run(*j), jobs))
    fks = [
        (f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}', n)
        for t, n, k, d in saved.constraints
        if k == "f"
    ]
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(lambda j: run(*j), fks))
    return timings


# --- summaries ----------------------------------------------------------------------------

SUMMARY_SQL = [
    "DELETE FROM dossiers_agencystatuscount",
    "DELETE FROM dossiers_agencymonthstats",
    """INSERT INTO dossiers_agencystatuscount (agency_id, status, count)
       SELECT agency_id, status, count(*) FROM dossiers_dossier GROUP BY 1, 2""",
    # Same meaning as motcua.dossiers.stats: received counted in the month of received_at;
    # finished/on_time/late in the month of finished_at, for dossiers that went through
    # `finish` (done, returned); on time = finished_at <= due_at and <= 1 supplement.
    """INSERT INTO dossiers_agencymonthstats (agency_id, month, received, finished, on_time, late)
       SELECT agency_id, month, sum(r), sum(f), sum(o), sum(f) - sum(o) FROM (
         SELECT agency_id,
                date_trunc('month', received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS month,
                1 AS r, 0 AS f, 0 AS o
           FROM dossiers_dossier WHERE received_at IS NOT NULL
         UNION ALL
         SELECT agency_id,
                date_trunc('month', finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
                0, 1, (finished_at <= due_at AND supplement_count <= 1)::int
           FROM dossiers_dossier WHERE status IN ('done', 'returned')
       ) s GROUP BY 1, 2""",
]


def fill_summaries(conn: psycopg.Connection) -> None:
    _session(conn)
    for sql in SUMMARY_SQL:
        conn.execute(sql)


# --- driver ---------------------------------------------------------------------------------


def reset_database() -> None:
    """Drop and recreate the bench database (migrated), and its uploaded files."""
    shutil.rmtree(DATA_DIR / "media", ignore_errors=True)
    with connect(dbname="postgres") as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid()",
            [BENCH_DB],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    subprocess.run(
        [str(VENV_BIN / "motcua"), "migrate", "--noinput", "-v0"],
        env=app_env(),
        cwd=ROOT,
        check=True,
    )


def progress(counter, total: int, start: float, procs: list[mp.Process], errors) -> None:
    width = 30
    last = -1
    deadline = time.monotonic() + 6 * 3600
    while any(p.is_alive() for p in procs) and time.monotonic() < deadline:
        time.sleep(0.5)
        if not errors.empty():
            break
        done = counter.value
        if done != last:
            last = done
            elapsed = time.perf_counter() - start
            rate = done / elapsed if elapsed else 0
            frac = done / total if total else 1
            eta = (total - done) / rate if rate else 0
            bar = "#" * int(frac * width) + "." * (width - int(frac * width))
            sys.stderr.write(
                f"\r[{bar}] {frac:6.1%} {done:>11,}/{total:,} dossiers "
                f"{rate:>9,.0f}/s ETA {eta:5.0f}s"
            )
            sys.stderr.flush()
    sys.stderr.write("\n")


def generate(n: int, mode: str = "rebuild", workers: int = 2, seed: int = 1) -> dict:
    """Reset the bench database and fill it; returns the timings."""
    t0 = time.perf_counter()
    reset_database()
    t_migrate = time.perf_counter() - t0
    rng = random.Random(seed)
    with connect() as conn:
        catalogue = load_catalogue(conn, rng)
    t_catalogue = time.perf_counter() - t0 - t_migrate
    plan = make_plan(n, seed, catalogue)
    log(
        f"generator: {n:,} dossiers over {plan.n_days} days, {len(plan.agencies)} agencies, "
        f"{N_PROCEDURES} procedures, mode={mode}, workers={workers}"
    )
    saved = None
    if mode == "rebuild":
        with connect() as conn:
            saved = save_and_drop(conn, BIG_TABLES)
    ctx = mp.get_context("fork")
    counter = ctx.Value("q", 0)
    errors = ctx.Queue()
    start = time.perf_counter()
    procs = [
        ctx.Process(target=worker_main, args=(plan, w, workers, mode, counter, errors))
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    progress(counter, n, start, procs, errors)
    for p in procs:
        p.join(timeout=600)
    if not errors.empty() or any(p.exitcode for p in procs):
        msgs = []
        while not errors.empty():
            msgs.append(errors.get())
        for p in procs:
            if p.is_alive():
                p.kill()
        raise RuntimeError("generator worker failed: " + "; ".join(msgs))
    t_copy = time.perf_counter() - start
    t = time.perf_counter()
    index_timings: dict[str, float] = {}
    if saved is not None:
        index_timings = recreate(saved, parallel=2)
    t_index = time.perf_counter() - t
    t = time.perf_counter()
    with connect() as conn:
        cur = conn.cursor()
        fix_sequence(cur, "dossiers_dossier")
        fix_sequence(cur, "dossiers_event")
        fix_sequence(cur, "core_dailycounter")
        fill_summaries(conn)
    t_summary = time.perf_counter() - t
    t = time.perf_counter()
    with connect() as conn:
        _session(conn)
        for table in [*BIG_TABLES, "core_dailycounter", "dossiers_agencymonthstats"]:
            conn.execute(f"VACUUM (ANALYZE) {table}")
    t_vacuum = time.perf_counter() - t
    with connect() as conn:
        events = conn.execute("SELECT count(*) FROM dossiers_event").fetchone()[0]
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    total = t_copy + t_index + t_summary
    result = {
        "dossiers": n,
        "events": events,
        "mode": mode,
        "workers": workers,
        "copy_s": round(t_copy, 1),
        "index_s": round(t_index, 1),
        "summary_s": round(t_summary, 1),
        "vacuum_analyze_s": round(t_vacuum, 1),
        "catalogue_s": round(t_catalogue, 1),
        "migrate_s": round(t_migrate, 1),
        "copy_rate": round(n / t_copy),
        "rate": round(n / total),
        "rows_per_s": round((n + events) / total),
        "db_size_gb": round(size / 1e9, 2),
        "slowest_index": sorted(index_timings.items(), key=lambda kv: -kv[1])[:3],
    }
    log(
        f"generator: {n:,} dossiers + {events:,} events: COPY {t_copy:.1f}s "
        f"({n / t_copy:,.0f} dossiers/s), indexes+FKs {t_index:.1f}s, summaries "
        f"{t_summary:.1f}s => {result['rate']:,} dossiers/s, {result['rows_per_s']:,} rows/s "
        f"end to end (then VACUUM ANALYZE {t_vacuum:.1f}s); database {size / 1e9:.2f} GB"
    )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--mode", choices=["rebuild", "indexed"], default="rebuild")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    result = generate(args.dossiers, args.mode, args.workers, args.seed)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
