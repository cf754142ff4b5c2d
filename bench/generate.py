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
COPYs, then recreates them and validates the foreign keys; `indexed` COPYs batch by batch
(one connection per worker) into the fully indexed tables. RESULTS.md has both timings.

In `rebuild` mode the workers (processes, every `workers`-th day each) hand each day's
rows, as COPY text, through pipes to the parent, where one thread per table TRUNCATEs it
and runs a single COPY ... FREEZE in day order: the rows are written frozen and all-visible
(no hint bits to set and dirty again on the first scan, cheap VACUUM), and in id order (the
key indexes sort presorted input). The indexes and foreign keys are then rebuilt on two
connections ordered so that their table locks never make one wait on the other (see
recreate()). It is all CPU-bound: per million dossiers, about 17 CPU-seconds of Python in
the workers (+2 in the parent), 20 in the COPY backends (text parsing), 18 for the index
builds and FK checks and 1.5 for the summaries, so ~30 s on two cores at best.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import datetime as dt
import fcntl
import hashlib
import json
import multiprocessing as mp
import multiprocessing.connection
import random
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
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
from motcua.core.text import fold

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
    "agency_id, applicant_id, current_agency_id, current_assignee_id, procedure_id, "
    "applicant_name_folded"
)
EVENT_COLS = (
    "id, dossier_id, action, from_status, to_status, national_status, actor_id, actor_name, "
    "agency_id, at, note, data, province_code"
)
N = b"\\N"  # NULL in COPY text
WORK_START = 7 * 60 + 30
WORK_SPAN = 9 * 60 + 30  # 07:30 .. 17:00 (lunch ignored)
DAY = 1440


def _timestamp_text(plan: Plan) -> tuple[int, list[bytes]]:
    """Text of every local minute from 5 days before the period to 60 days after now
    (the latest moment drawn is a due date: now + at most 42 days + 3 days of payment
    pause), so a timestamp is one list lookup: text[minute - base]."""
    first = plan.first_day - 5
    last = plan.first_day + plan.n_days + 60
    if max(plan.proc_days.values()) * 1.4 + 3 >= 60:
        raise ValueError("procedure times too long for the timestamp table")
    minutes = [b"%02d:%02d:00+07" % divmod(m, 60) for m in range(DAY)]
    text = []
    for d in range(first, last):
        day = (dt.date(1970, 1, 1) + dt.timedelta(days=d)).isoformat().encode() + b" "
        text += [day + m for m in minutes]
    return first * DAY, text


def generate_days(plan: Plan, worker: int, workers: int, out) -> None:
    """Generate the days `worker` owns (every `workers`-th day that has dossiers), in
    order, and hand each to out(count, dossier_text, event_text, counter_text): the day's
    dossiers, events and core_dailycounter rows as COPY text (UTF-8 bytes).

    Rows are built from bytes pieces prepared once (timestamps, names, actors, ...) with
    bytes %-formatting, which is cheaper than formatting str and encoding it; the random
    draws are the same, in the same order, as in the plain str version this replaced."""
    rng = random.Random(plan.seed * 1000 + worker)
    rand = rng.random
    # Times are minutes since `base` (local wall clock), so ts_text[t] is t's text.
    base, ts_text = _timestamp_text(plan)
    now = plan.now_min - base

    cum = plan.agency_cum
    total_w = cum[-1]
    n_agencies = len(plan.agencies)
    proc_minutes = {p: int(d * DAY * 1.4) for p, d in plan.proc_days.items()}
    citizens = plan.citizens
    n_cit = len(citizens)
    names = [f"{s} {m} {g}".encode() for s in SURNAMES for m in MIDDLE for g in GIVEN]
    n_names = len(names)
    folded_names = [fold(n.decode()).encode() for n in names]  # Dossier.applicant_name_folded
    addresses = [f"{k} {s}, Tỉnh Bench".encode() for s in STREETS for k in range(1, 60)]
    n_addr = len(addresses)
    subjects = {p: subject.encode() for p, subject in plan.proc_subject.items()}
    return_methods = [b"desk", b"desk", b"online", b"post"]
    # An event line is: id, dossier id, action with its statuses, actor, time, tail.
    submit = b"submit\t\tsubmitted\t1\t"
    receive = b"receive\tsubmitted\treceived\t2\t"
    refuse = b"refuse\tsubmitted\trejected\t3\t"
    withdraw = b"withdraw\treceived\twithdrawn\t7\t"
    request_supplement = b"request_supplement\treceived\tsupplement\t5\t"
    complete_supplement = b"complete_supplement\tsupplement\treceived\t2\t"
    assign = b"assign\treceived\tprocessing\t4\t"
    request_payment = b"request_payment\tprocessing\tpayment\t6\t"
    confirm_payment = b"confirm_payment\tpayment\tprocessing\t4\t"
    stop = b"stop\tprocessing\tstopped\t8\t"
    approve = b"approve\tprocessing\tapproved\t4\t"
    finish = b"finish\tapproved\tdone\t9\t"
    return_result = b"return_result\tdone\treturned\t10\t"
    tail = f"\t\t{{}}\t{PROVINCE}\n".encode()
    submit_tail = {
        c: f'\t\t{{"channel": "{c.decode()}", "files": []}}\t{PROVINCE}\n'.encode()
        for c in (b"online", b"desk", b"post")
    }
    # a citizen (None: a desk submission): (applicant_id, as event actor)
    citizen_text = {uid: (b"%d" % uid, b"%d\t\t\\N\t" % uid) for uid in citizens}
    citizen_text[None] = (N, b"\\N\t\t\\N\t")

    def officer(a: Agency, role: str) -> bytes:
        return f"{getattr(a, role)}\tCán bộ {role} {a.id}\t{a.id}\t".encode()

    # Per agency, what a dossier needs: its procedures and their count, late rate,
    # identifier, "province_code, agency_id" and "current_agency_id" as dossier text, the
    # specialist's id, and the desk, specialist and leader as event actor text.
    agency_info = [
        (
            procs,
            len(procs),
            a.late_rate,
            a.identifier.encode(),
            f"{PROVINCE}\t{a.id}\t".encode(),
            f"\t{a.id}\t".encode(),
            b"%d" % a.specialist,
            officer(a, "desk"),
            officer(a, "specialist"),
            officer(a, "leader"),
        )
        for a in plan.agencies
        for procs in [plan.commune_procs if a.level == "commune" else a.procedures]
    ]

    dossiers: list[bytes] = []
    events: list[bytes] = []
    append_d = dossiers.append
    append_e = events.append

    for day_index in range(worker, plan.n_days, workers):
        count = plan.day_counts[day_index]
        if count == 0:
            continue
        day = plan.first_day + day_index
        day_start = day * DAY - base
        date = dt.date(1970, 1, 1) + dt.timedelta(days=day)
        yymmdd = date.strftime("%y%m%d").encode()
        seqs = [0] * n_agencies
        did = plan.dossier_id_base[day_index]
        today = day_index == plan.n_days - 1
        span_limit = (now - day_start) if today else DAY
        for _ in range(count):
            ai = bisect.bisect_left(cum, rand() * total_w)
            if ai >= n_agencies:
                ai = n_agencies - 1
            (
                procs,
                n_procs,
                late_rate,
                identifier,
                agency_t,
                holder_t,
                specialist_id,
                desk,
                specialist,
                leader,
            ) = agency_info[ai]
            seqs[ai] += 1
            proc = procs[int(rand() * n_procs)]
            code = b"%s-%s-%04d" % (identifier, yymmdd, seqs[ai])
            r = rand()
            if r < 0.42:
                channel = b"online"
                sub = day_start + 360 + int(rand() * 1020)  # 06:00 .. 23:00
                applicant_id, applicant = citizen_text[citizens[int(rand() * n_cit)]]
                submitter = applicant
            else:
                channel = b"desk" if r < 0.95 else b"post"
                sub = day_start + WORK_START + int(rand() * WORK_SPAN)
                applicant_id, applicant = citizen_text[None]
                submitter = desk
            if sub >= now:
                sub = day_start + int(rand() * max(1, span_limit))
            # --- the dossier's life --------------------------------------------------
            budget = proc_minutes[proc]
            if channel == b"online":
                intake_due = ts_text[sub + 900]
                rec = sub + (30 + int(rand() * (900 - 30)))
            else:
                intake_due = N
                rec = sub
            path = rand()
            late = rand() < late_rate
            supplement = 0
            paused = 0
            # each event: its text after the ids (action ... tail); `last` = latest time
            ev = [submit + submitter + ts_text[sub] + submit_tail[channel]]
            t_rec = t_clock = t_due = t_paused = t_fin = t_ret = N
            assignee = N
            ret_method = b""
            if path < 0.02:  # refused at intake
                if rec <= now:
                    ev.append(refuse + desk + ts_text[rec] + tail)
                    status, t_fin = b"rejected", ts_text[rec]
                else:
                    status = b"submitted"
            elif rec > now:
                status = b"submitted"
            else:
                clock = rec
                t_rec = ts_text[rec]
                due = rec + budget
                ev.append(receive + desk + t_rec + tail)
                status = b"received"
                t = rec + (20 + int(rand() * (600 - 20)))
                if path < 0.035:  # withdrawn by the applicant
                    if t <= now:
                        ev.append(withdraw + desk + ts_text[t] + tail)
                        status, t_fin = b"withdrawn", ts_text[t]
                    t = None
                elif path < 0.095:  # supplement requested once, then resumed
                    if t <= now:
                        ev.append(request_supplement + desk + ts_text[t] + tail)
                        status, supplement = b"supplement", 1
                        back = t + (DAY + int(rand() * (6 * DAY - DAY)))
                        if back <= now:
                            ev.append(complete_supplement + applicant + ts_text[back] + tail)
                            paused += back - t
                            status = b"received"
                            clock = back
                            due = back + budget
                            t = back + (20 + int(rand() * (600 - 20)))
                        else:
                            t_paused = ts_text[t]
                            t = None
                    else:
                        t = None
                if t is not None and t <= now:  # else still received, not yet assigned
                    ev.append(assign + desk + ts_text[t] + tail)
                    last = t
                    status, assignee = b"processing", specialist_id
                    span = due - clock
                    if late:
                        fin = clock + int(span * (1.02 + rand() * 0.6)) + 60
                    else:
                        fin = clock + int(span * (0.15 + rand() * 0.83))
                    if fin <= t:
                        fin = t + 30
                    stuck = rand() < 0.004  # never finished: the overdue tail
                    if 0.095 <= path < 0.19:  # paying
                        pt = t + (fin - t) // 3
                        if pt <= now:
                            ev.append(request_payment + specialist + ts_text[pt] + tail)
                            last = pt
                            status = b"payment"
                            pc = pt + (60 + int(rand() * (3 * DAY - 60)))
                            if pc <= now:
                                ev.append(confirm_payment + desk + ts_text[pc] + tail)
                                last = pc
                                status = b"processing"
                                moved = pc - pt
                                paused += moved
                                due += moved
                                fin += moved
                            else:
                                t_paused = ts_text[pt]
                                fin = None
                    if path > 0.995 and not stuck:  # stopped by the leader
                        st = t + 120
                        if st <= now and status == b"processing":
                            ev.append(stop + leader + ts_text[st] + tail)
                            status, t_fin, assignee = b"stopped", ts_text[st], N
                        fin = None
                    if stuck:
                        fin = None
                    if fin is not None and status == b"processing":
                        ap = max(fin - (10 + int(rand() * (240 - 10))), last + 5)
                        fin = max(fin, ap + 5)
                        if ap <= now:
                            ev.append(approve + leader + ts_text[ap] + tail)
                            status = b"approved"
                            if fin <= now:
                                ev.append(finish + specialist + ts_text[fin] + tail)
                                status, t_fin, assignee = b"done", ts_text[fin], N
                                back = fin + (30 + int(rand() * (5 * DAY - 30)))
                                if back <= now and rand() < 0.97:
                                    ev.append(return_result + desk + ts_text[back] + tail)
                                    status, t_ret = b"returned", ts_text[back]
                                    ret_method = return_methods[int(rand() * 4)]
                t_clock = ts_text[clock]
                t_due = ts_text[due]
            # --- text rows -----------------------------------------------------------
            result = code + b"-KQ1" if status == b"returned" or status == b"done" else b""
            id_number = 10**11 + int(rand() * 9 * 10**11)
            append_d(
                b"%d\t%s\t%s\t%s\t%s\t%d\t09%08d\t\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d"
                b"\t\\N\t%s\t%s\t%s\t%s\t%s%s%s%s\t%d\t%s\n"
                % (
                    did,
                    code,
                    channel,
                    status,
                    names[(name_i := int(rand() * n_names))],
                    id_number,
                    int(rand() * 10**8),
                    addresses[int(rand() * n_addr)],
                    subjects[proc],
                    ts_text[sub],
                    intake_due,
                    t_rec,
                    t_clock,
                    t_due,
                    t_due,
                    t_paused,
                    paused,
                    supplement,
                    t_fin,
                    t_ret,
                    result,
                    ret_method,
                    agency_t,
                    applicant_id,
                    holder_t,
                    assignee,
                    proc,
                    folded_names[name_i],
                )
            )
            eid = did * EVENT_ID_STRIDE
            ids = b"\t%d\t" % did
            for k, text in enumerate(ev):
                append_e(b"%d%s%s" % (eid + k, ids, text))
            did += 1
        # counters: the max number per agency this day
        day_t = b"\t%s\t" % date.isoformat().encode()
        counters = b"".join(
            b"%s%s%d\n" % (agency_info[i][3], day_t, s) for i, s in enumerate(seqs) if s
        )
        out(count, b"".join(dossiers), b"".join(events), counters)
        dossiers.clear()
        events.clear()


def _session(conn: psycopg.Connection) -> None:
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET work_mem = '256MB'")


def worker_main(
    plan: Plan, worker: int, workers: int, mode: str, counter, errors, pipes=None
) -> None:
    try:
        if mode == "rebuild":
            _worker_piped(plan, worker, workers, *pipes)
        else:
            _worker_batched(plan, worker, workers, counter)
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        errors.put(f"worker {worker}: {exc!r}")
        raise


def _worker_piped(plan: Plan, worker: int, workers: int, dossier_pipe, event_pipe) -> None:
    """Each day's text goes to the parent (see copy_in_order), which COPYs it in order."""

    def out(count: int, dossiers: bytes, events: bytes, counters: bytes) -> None:
        dossier_pipe.send_bytes(dossiers)
        dossier_pipe.send_bytes(counters)
        event_pipe.send_bytes(events)

    generate_days(plan, worker, workers, out)
    dossier_pipe.close()
    event_pipe.close()


def copy_in_order(plan: Plan, table: str, pipes: list, counter=None) -> None:
    """One transaction: TRUNCATE `table` and COPY ... FREEZE it from the workers' pipes,
    day after day (worker = day % workers), so the heap is in id order. With `counter`
    (the dossier table) the pipes also carry core_dailycounter rows, COPYd at the end."""
    columns = DOSSIER_COLS if table == "dossiers_dossier" else EVENT_COLS
    conn = connect(autocommit=False)
    _session(conn)
    cur = conn.cursor()
    cur.execute(f"TRUNCATE {table}")  # makes FREEZE possible: tuples born frozen, visible
    counters: list[bytes] = []
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN (FREEZE)") as copy:
        for day, count in enumerate(plan.day_counts):
            if count == 0:
                continue
            pipe = pipes[day % len(pipes)]
            copy.write(pipe.recv_bytes())
            if counter is not None:
                counters.append(pipe.recv_bytes())
                with counter.get_lock():
                    counter.value += count
    if counters:
        with cur.copy("COPY core_dailycounter (scope, day, value) FROM STDIN") as copy:
            for chunk in counters:
                copy.write(chunk)
    conn.commit()
    conn.close()


def _worker_batched(plan: Plan, worker: int, workers: int, counter) -> None:
    """One connection; each batch (>= 4,000 dossiers) = COPY dossiers + COPY events +
    commit (FKs checked)."""
    conn = connect(autocommit=False)
    _session(conn)
    cur = conn.cursor()
    pending: dict[str, list[bytes]] = {"d": [], "e": [], "c": []}
    pending_count = 0

    def flush() -> None:
        nonlocal pending_count
        for key, table, columns in (
            ("d", "dossiers_dossier", DOSSIER_COLS),
            ("e", "dossiers_event", EVENT_COLS),
            ("c", "core_dailycounter", "scope, day, value"),
        ):
            if pending[key]:
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for chunk in pending[key]:
                        copy.write(chunk)
        conn.commit()
        for v in pending.values():
            v.clear()
        with counter.get_lock():
            counter.value += pending_count
        pending_count = 0

    def out(count: int, dossiers: bytes, events: bytes, counters: bytes) -> None:
        nonlocal pending_count
        pending["d"].append(dossiers)
        pending["e"].append(events)
        pending["c"].append(counters)
        pending_count += count
        if pending_count >= 4000:
            flush()

    generate_days(plan, worker, workers, out)
    flush()
    conn.close()


# --- indexes and constraints ------------------------------------------------------------


@dataclass
class Saved:
    constraints: list[tuple[str, str, str, str, str | None]]  # table, name, type, def, index
    indexes: list[tuple[str, str]]  # (name, definition)


def save_and_drop(conn: psycopg.Connection, tables: list[str]) -> Saved:
    cur = conn.cursor()
    regs = [f"'{t}'::regclass" for t in tables]
    cur.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid), "
        "CASE WHEN contype IN ('p', 'u') THEN pg_get_indexdef(conindid) END "
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
    for table, name, _kind, _, _ in sorted(constraints, key=lambda c: c[2] != "f"):
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    return Saved(constraints, indexes)


def recreate(saved: Saved) -> dict[str, float]:
    """Rebuild what save_and_drop() dropped, keeping both cores busy.

    Every statement holds a table lock, and the plain order (ALTER TABLE ... ADD PRIMARY
    KEY, then ADD FOREIGN KEY) serialises most of the work: ADD PRIMARY KEY takes ACCESS
    EXCLUSIVE, and a validating ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables.
    So keys are built as plain CREATE UNIQUE INDEX (SHARE lock, like the other indexes)
    and attached with ADD CONSTRAINT ... USING INDEX (catalogue only); foreign keys are
    added NOT VALID (catalogue only, once the dossier key exists) and checked by VALIDATE
    CONSTRAINT, which locks its own table (SHARE UPDATE EXCLUSIVE, so not during an index
    build on that table) and the referenced one only lightly (ROW SHARE). Two lanes
    (connections) then never wait on each other:

        lane 1: event indexes, event FK checks, then help with the dossier indexes
        lane 2: dossier indexes, then help with the event indexes, dossier FK checks

    The event checks come after the event indexes: the check of event.dossier_id is then
    an index-only anti-join of two indexes (COPY FREEZE set the visibility map). The end
    state is the same as before: every index and key, every constraint VALID.
    """
    timings: dict[str, float] = {}
    conns = [connect(), connect()]
    for conn in conns:
        _session(conn)
        conn.execute("SET max_parallel_maintenance_workers = 0")

    def run(conn: psycopg.Connection, sql: str, label: str) -> None:
        t = time.perf_counter()
        conn.execute(sql)
        timings[label] = timings.get(label, 0.0) + time.perf_counter() - t

    event, dossier = "dossiers_event", "dossiers_dossier"
    keys = [c for c in saved.constraints if c[2] in "pu"]
    fks = [c for c in saved.constraints if c[2] == "f"]
    builds: dict[str, list[tuple[str, str]]] = {event: [], dossier: []}
    for table, name, _, _, indexdef in keys:
        builds[table].append((indexdef, name))
    for name, indexdef in saved.indexes:
        builds[event if f" ON public.{event} " in indexdef else dossier].append((indexdef, name))
    # 1. The dossier primary key (foreign keys need it), next to a small dossier index.
    dossier_pkey = next(k for k in keys if k[0] == dossier and k[2] == "p")
    first = [(dossier_pkey[4], dossier_pkey[1])]
    first += [j for j in builds[dossier] if " WHERE " in j[0]][:1]  # a partial index
    for job in first:
        builds[dossier].remove(job)
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(run, conn, *job) for conn, job in zip(conns, first, strict=False)]
        for f in futures:
            f.result()
    # 2. Catalogue-only steps: the dossier key, every foreign key NOT VALID.
    run(conns[0], _attach_key(dossier_pkey), dossier_pkey[1] + " (attach)")
    for table, name, _, definition, _ in fks:
        run(conns[0], f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID', name)
    # 3. The two lanes. Checks of the small tables' keys into dossiers go with dossiers.
    checks: dict[str, list[tuple[str, str]]] = {event: [], dossier: []}
    for table, name, _, _, _ in fks:
        checks[event if table == event else dossier].append(
            (f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"', name)
        )
    # biggest first (partial indexes are small), so the lanes end together
    queues = {t: sorted(jobs, key=lambda j: " WHERE " in j[0]) for t, jobs in builds.items()}
    lock = threading.Lock()

    def lane(conn: psycopg.Connection, steps: list[tuple[str, str]]) -> None:
        for step, table in steps:
            if step == "check":
                for job in checks[table]:
                    run(conn, *job)
                continue
            while True:  # "build": take the table's index builds until none is left
                with lock:
                    job = queues[table].pop(0) if queues[table] else None
                if job is None:
                    break
                run(conn, *job)

    lanes = [
        [("build", event), ("check", event), ("build", dossier)],
        [("build", dossier), ("build", event), ("check", dossier)],
    ]
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(lane, conn, steps) for conn, steps in zip(conns, lanes, strict=True)]
        for f in futures:
            f.result()
    # 4. The remaining keys, on their finished indexes.
    for key in keys:
        if key is not dossier_pkey:
            run(conns[0], _attach_key(key), key[1] + " (attach)")
    for conn in conns:
        conn.close()
    return timings


def _attach_key(key: tuple[str, str, str, str, str | None]) -> str:
    """ALTER TABLE ... ADD CONSTRAINT name PRIMARY KEY|UNIQUE USING INDEX name [DEFERRABLE]."""
    table, name, kind, definition, _ = key
    what = "PRIMARY KEY" if kind == "p" else "UNIQUE"
    deferrable = definition.rsplit(")", 1)[1]  # what follows the column list, if anything
    return f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {what} USING INDEX "{name}"{deferrable}'


# --- summaries ----------------------------------------------------------------------------

# QĐ 766 on time, as motcua.dossiers.stats.is_on_time, for a closed dossier.
ON_TIME_SQL = """coalesce(
    coalesce(paused_at, finished_at) <= coalesce(on_time_due_at, original_due_at)
    AND coalesce(intake_supplement_count, 0) <= 1
    AND coalesce(appraisal_supplement_count, 0) <= 1, false)"""

SUMMARY_SQL = [  # one list per table, filled side by side (two connections)
    [
        "DELETE FROM dossiers_agencystatuscount",
        """INSERT INTO dossiers_agencystatuscount (agency_id, status, count)
       SELECT agency_id, status, count(*) FROM dossiers_dossier GROUP BY 1, 2""",
    ],
    # Same meaning as motcua.dossiers.stats (QĐ 766): every count in the month of
    # received_at; on time = work ended (the wait's start if closed while waiting for the
    # applicant) at or before the appointment given at receipt, at most one supplement per
    # stage; stopped / withdrawn ones that ended after it are closed_late.
    [
        "DELETE FROM dossiers_agencymonthstats",
        f"""INSERT INTO dossiers_agencymonthstats
              (agency_id, month, received, finished, on_time, late, stopped, withdrawn,
               closed_late)
       SELECT agency_id,
              date_trunc('month', received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
              count(*),
              count(*) FILTER (WHERE status IN ('done', 'returned')),
              count(*) FILTER (WHERE status IN ('done', 'returned') AND on_time),
              count(*) FILTER (WHERE status IN ('done', 'returned') AND NOT on_time),
              count(*) FILTER (WHERE status IN ('stopped', 'rejected')),
              count(*) FILTER (WHERE status = 'withdrawn'),
              count(*) FILTER (
                WHERE status IN ('stopped', 'rejected', 'withdrawn') AND NOT on_time)
         FROM (SELECT agency_id, received_at, status, {ON_TIME_SQL} AS on_time
                 FROM dossiers_dossier WHERE received_at IS NOT NULL) d
        GROUP BY 1, 2""",
    ],
]


# motcua.reports.tracking as SQL: each fact in the month it happened, per agency and field
# (received; result early / on time / late; stopped or withdrawn; returned; overdue from the
# appointment's month to the end's), and the dossiers that ended late.
REPORT_DOSSIERS = f"""WITH d AS MATERIALIZED (
  SELECT x.*, p.field_id,
         x.status IN ('done', 'returned') AS solved,
         x.status IN ('stopped', 'withdrawn', 'rejected') AS closed,
         coalesce(x.on_time_due_at, x.original_due_at) AS due,
         {ON_TIME_SQL} AS on_time
    FROM dossiers_dossier x JOIN catalog_procedure p ON p.id = x.procedure_id
   WHERE x.received_at IS NOT NULL)"""
LOCAL_MONTH = "date_trunc('month', {} AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
LOCAL_DAY = "({} AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
REPORT_SQL = [
    "DELETE FROM reports_reportmonthstats",
    "DELETE FROM reports_reportlatedossier",
    f"""{REPORT_DOSSIERS}, facts AS (
  SELECT agency_id, field_id, {LOCAL_MONTH.format("received_at")} AS month,
         (channel = 'online')::int AS ro, (channel <> 'online')::int AS rd,
         0 AS se, 0 AS so, 0 AS sl, 0 AS cl, 0 AS rt, 0 AS ofr, 0 AS oun FROM d
  UNION ALL
  SELECT agency_id, field_id, {LOCAL_MONTH.format("finished_at")}, 0, 0,
         (solved AND on_time AND {LOCAL_DAY.format("coalesce(paused_at, finished_at)")}
            < {LOCAL_DAY.format("due")})::int,
         (solved AND on_time AND {LOCAL_DAY.format("coalesce(paused_at, finished_at)")}
            >= {LOCAL_DAY.format("due")})::int,
         (solved AND NOT on_time)::int, closed::int, 0, 0,
         coalesce(finished_at > due, false)::int
    FROM d WHERE (solved OR closed) AND finished_at IS NOT NULL
  UNION ALL
  SELECT agency_id, field_id, {LOCAL_MONTH.format("due")}, 0, 0, 0, 0, 0, 0, 0, 1, 0
    FROM d WHERE (solved OR closed) AND finished_at > due
  UNION ALL
  SELECT agency_id, field_id, {LOCAL_MONTH.format("returned_at")}, 0, 0, 0, 0, 0, 0, 1, 0, 0
    FROM d WHERE returned_at IS NOT NULL)
INSERT INTO reports_reportmonthstats
       (agency_id, field_id, month, received_online, received_direct, solved_early,
        solved_on_time, solved_late, closed, returned, overdue_from, overdue_until)
SELECT agency_id, field_id, month, sum(ro), sum(rd), sum(se), sum(so), sum(sl), sum(cl),
       sum(rt), sum(ofr), sum(oun)
  FROM facts GROUP BY 1, 2, 3""",
    f"""{REPORT_DOSSIERS}
INSERT INTO reports_reportlatedossier
       (dossier_id, agency_id, field_id, action, due_at, ended_at, solved_late, overdue)
SELECT id, agency_id, field_id,
       CASE status WHEN 'stopped' THEN 'stop' WHEN 'withdrawn' THEN 'withdraw'
                   WHEN 'rejected' THEN 'refuse' ELSE 'finish' END,
       due, finished_at, solved AND NOT on_time, coalesce(finished_at > due, false)
  FROM d
 WHERE (solved OR closed) AND finished_at IS NOT NULL
   AND ((solved AND NOT on_time) OR coalesce(finished_at > due, false))""",
]
SUMMARY_SQL.append(REPORT_SQL)


def fill_summaries() -> None:
    def fill(statements: list[str]) -> None:
        with connect() as conn:
            _session(conn)
            for sql in statements:
                conn.execute(sql)

    with ThreadPoolExecutor(len(SUMMARY_SQL)) as pool:
        for f in [pool.submit(fill, statements) for statements in SUMMARY_SQL]:
            f.result()


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
    default_unlisted_columns()


# Columns get the model's default in the database (Django keeps defaults in Python), so a
# column added to a model that the generator does not write yet does not break its COPY.
COLUMN_DEFAULTS = {("dossiers_dossier", "return_channel"): "'desk'"}
TYPE_DEFAULTS = {
    "character varying": "''",
    "text": "''",
    "smallint": "0",
    "integer": "0",
    "bigint": "0",
    "numeric": "0",
    "boolean": "false",
    "jsonb": "'{}'",
}


def default_unlisted_columns() -> None:
    with connect() as conn:
        rows = conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND is_nullable = 'NO' AND column_default IS NULL "
            "AND is_identity = 'NO' AND (table_name LIKE 'catalog\\_%%' "
            "OR table_name LIKE 'dossiers\\_%%')"
        ).fetchall()
        for table, name, data_type in rows:
            default = COLUMN_DEFAULTS.get((table, name)) or TYPE_DEFAULTS.get(data_type)
            if default is not None:
                conn.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{name}" SET DEFAULT {default}')


def progress(counter, total: int, start: float, busy, errors) -> None:
    """Draw a progress bar while busy() (polled twice a second) and no worker failed."""
    width = 30
    last = -1
    deadline = time.monotonic() + 6 * 3600
    while busy(0.5) and time.monotonic() < deadline:
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


def _widen(pipe) -> None:
    """Let a worker run a few days ahead of its COPY: a bigger pipe buffer (64 kB by
    default), as big as allowed (fs.pipe-max-size, or more for root)."""
    for size in (16 << 20, 1 << 20):
        try:
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, size)
            return
        except OSError:
            continue


def run_workers(plan: Plan, n: int, mode: str, workers: int) -> None:
    """Fork the generator workers and, in `rebuild` mode, the two COPY ... FREEZE relays
    (threads of this process, see copy_in_order); raise if anything failed."""
    ctx = mp.get_context("fork")
    counter = ctx.Value("q", 0)
    errors = ctx.Queue()
    start = time.perf_counter()
    procs = []
    readers: dict[str, list] = {"dossiers_dossier": [], "dossiers_event": []}
    for w in range(workers):
        pipes = None
        if mode == "rebuild":
            pipes = []
            for table in readers:
                reader, writer = ctx.Pipe(duplex=False)
                _widen(writer)
                readers[table].append(reader)
                pipes.append(writer)
        p = ctx.Process(target=worker_main, args=(plan, w, workers, mode, counter, errors, pipes))
        p.start()
        for writer in pipes or []:
            writer.close()  # the worker's now: its death is an EOF for the relay
        procs.append(p)
    relays = []
    pool = ThreadPoolExecutor(2)
    if mode == "rebuild":
        relays = [
            pool.submit(
                copy_in_order, plan, "dossiers_dossier", readers["dossiers_dossier"], counter
            ),
            pool.submit(copy_in_order, plan, "dossiers_event", readers["dossiers_event"]),
        ]

    def busy(timeout: float) -> bool:
        if relays:
            done, not_done = futures_wait(relays, timeout, FIRST_EXCEPTION)
            return bool(not_done) and not any(f.exception() for f in done)
        mp.connection.wait([p.sentinel for p in procs], timeout)
        return any(p.is_alive() for p in procs)

    progress(counter, n, start, busy, errors)
    failed = [repr(f.exception()) for f in relays if f.done() and f.exception()]
    for p in procs:
        p.join(timeout=0 if failed or not errors.empty() else 600)
    if failed or not errors.empty() or any(p.exitcode for p in procs):
        while not errors.empty():
            failed.append(errors.get())
        for p in procs:
            if p.is_alive():
                p.kill()
        pool.shutdown(wait=True)  # a relay waiting on a dead worker's pipe gets EOFError
        raise RuntimeError("generator failed: " + "; ".join(failed))
    pool.shutdown()


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
    start = time.perf_counter()
    run_workers(plan, n, mode, workers)
    t_copy = time.perf_counter() - start
    t = time.perf_counter()
    index_timings: dict[str, float] = {}
    if saved is not None:
        index_timings = recreate(saved)
    t_index = time.perf_counter() - t
    t = time.perf_counter()
    with connect() as conn:
        cur = conn.cursor()
        fix_sequence(cur, "dossiers_dossier")
        fix_sequence(cur, "dossiers_event")
        fix_sequence(cur, "core_dailycounter")
    fill_summaries()
    t_summary = time.perf_counter() - t
    t = time.perf_counter()
    with connect() as conn:
        _session(conn)
        for table in [
            *BIG_TABLES,
            "core_dailycounter",
            "dossiers_agencymonthstats",
            "reports_reportmonthstats",
            "reports_reportlatedossier",
        ]:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        # The small tables too (agencies, procedures, users): with autovacuum off, as on
        # the bench machine, the planner would guess their sizes (40 agencies for 200) and
        # join the desk queue through a nested loop over every agency (200 ms, not 40).
        conn.execute("ANALYZE")
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
