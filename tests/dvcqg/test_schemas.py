"""The DVCQG wire schemas: date format of the portal, strict outgoing records, replaceable."""

import datetime as dt

import pytest

from motcua.dvcqg import schemas
from tests.simulators.conftest import dossier_record


def test_datetimes_are_written_in_vietnam_time():
    moment = dt.datetime(2025, 12, 1, 1, 30, tzinfo=dt.UTC)
    assert schemas.format_datetime(moment) == "20251201083000"
    assert schemas.parse_datetime("20251201083000") == moment
    with pytest.raises(ValueError):
        schemas.format_datetime(dt.datetime(2025, 12, 1))  # naive: ambiguous


@pytest.mark.parametrize("value", ["20251201083000", "", None])
def test_optional_dates_may_be_empty(value):
    body = {"service": "DongBoHoSoMC", "data": [dossier_record("A", NgayKetThucXuLy=value)]}
    assert schemas.validate("DongBoHoSoMC", body) == []


@pytest.mark.parametrize(
    "value", ["20250230083000", "2025120108300", "２0251201083000", 20251201083000]
)
def test_impossible_or_misshapen_dates_are_refused(value):
    body = {"service": "DongBoHoSoMC", "data": [dossier_record("A", NgayHenTra=value)]}
    assert schemas.validate("DongBoHoSoMC", body)


def test_envelope_names_its_service_and_limits_its_size():
    record = dossier_record("A")
    assert schemas.validate("DongBoHoSoMC", {"service": "CapNhatTienDoHoSoMC", "data": [record]})
    assert schemas.validate("DongBoHoSoMC", {"service": "DongBoHoSoMC", "data": []})
    assert schemas.validate("DongBoHoSoMC", {"service": "DongBoHoSoMC", "data": [record] * 101})


def test_a_province_can_register_its_own_version():
    original = schemas.SCHEMAS["KetQua"]
    try:
        schemas.register("KetQua", {"type": "object", "required": ["error_code", "ma_loi_tinh"]})
        assert schemas.validate("KetQua", {"error_code": "0"}) == [
            "$: 'ma_loi_tinh' is a required property"
        ]
    finally:
        schemas.register("KetQua", original)
    assert schemas.validate("KetQua", {"error_code": "0"}) == []
