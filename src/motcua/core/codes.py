"""Agency identifiers (QCVN 102:2016) and dossier codes (TT 03/2025/TT-VPCP)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from motcua.core.models import DailyCounter

# Dot-separated groups of letters and digits, at most 35 characters: `000.00.00.H38`.
AGENCY_ID_RE = re.compile(r"^[A-Z0-9]{1,10}(\.[A-Z0-9]{1,10}){1,7}$")
AGENCY_ID_MAX = 35
DOSSIER_CODE_RE = re.compile(r"^(?P<agency>[A-Z0-9.]{3,35})-(?P<day>\d{6})-(?P<seq>\d{4,})$")
DAILY_LIMIT = 9999


def validate_agency_identifier(value: str) -> None:
    if len(value) > AGENCY_ID_MAX or not AGENCY_ID_RE.match(value):
        raise ValidationError(
            _(
                "Mã định danh cơ quan không hợp lệ (các nhóm chữ hoa, chữ số cách nhau "
                "bởi dấu chấm, tối đa 35 ký tự): %(v)s"
            ),
            params={"v": value},
            code="invalid_agency_identifier",
        )


def next_in_day(scope: str, day: dt.date) -> int:
    """Take the next number of (scope, day) inside the caller's transaction.

    One atomic upsert: the row lock it takes is held until the caller commits, so two
    submissions cannot get the same number, and a rollback returns the number (no gap).
    """
    table = DailyCounter._meta.db_table
    sql = (
        f"INSERT INTO {table} (scope, day, value) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (scope, day) DO UPDATE SET value = {table}.value + 1 "
        "RETURNING value"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [scope, day])
        (value,) = cursor.fetchone()
    return int(value)


def dossier_code(agency_identifier: str, day: dt.date, sequence: int) -> str:
    if sequence > DAILY_LIMIT:
        raise ValidationError(
            _("Cơ quan %(a)s đã dùng hết 9999 số hồ sơ trong ngày %(d)s"),
            params={"a": agency_identifier, "d": day.strftime("%d/%m/%Y")},
            code="daily_sequence_exhausted",
        )
    return f"{agency_identifier}-{day:%y%m%d}-{sequence:04d}"


def result_code(code: str, n: int) -> str:
    return f"{code}-KQ{n}"
