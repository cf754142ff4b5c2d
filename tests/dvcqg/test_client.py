"""The DVCQG client against the real simulator: token cached and renewed on 401, both the
HTTP status and the portal's error_code checked, attachments downloaded."""

import hashlib
import time

import httpx
import pytest

from motcua.dvcqg.client import DvcqgClient, DvcqgError, NotConfigured
from tests.simulators.conftest import DVCQG_CLIENT, dossier_record


@pytest.fixture
def control(simulator):
    with httpx.Client(base_url=simulator.url, timeout=5) as client:
        yield client


@pytest.fixture
def portal(simulator):
    return DvcqgClient(f"{simulator.url}/dvcqg", *DVCQG_CLIENT, timeout=2)


def received(control, **filters):
    return control.get("/_control/received", params=filters).json()["items"]


def test_from_settings_uses_the_settings(settings, simulator):
    settings.MOTCUA_DVCQG_URL = f"{simulator.url}/dvcqg/"
    settings.MOTCUA_DVCQG_CLIENT_ID, settings.MOTCUA_DVCQG_CLIENT_SECRET = DVCQG_CLIENT
    client = DvcqgClient.from_settings()
    assert client.base_url == f"{simulator.url}/dvcqg"
    assert client.get("LayHoiDap")["error_code"] == "0"


@pytest.mark.parametrize("url", ["", "ftp://portal/dvcqg", "file:///etc"])
def test_without_an_http_url_it_is_not_configured(settings, url):
    settings.MOTCUA_DVCQG_URL = url
    with pytest.raises(NotConfigured):
        DvcqgClient.from_settings()


def test_token_is_fetched_once_and_reused(portal, control):
    portal.get("LayHoiDap")
    portal.get("LayDanhGia")
    portal.call("DongBoHoSoMC", {"service": "DongBoHoSoMC", "data": [dossier_record("T-1")]})
    assert len(received(control, endpoint="token")) == 1
    calls = received(control, system="dvcqg")
    assert all(c["headers"]["authorization"].startswith("Bearer") for c in calls[1:])


def test_a_401_renews_the_token_once(portal, control, simulator):
    portal.get("LayHoiDap")
    simulator.app.systems["dvcqg"].tokens.clear()  # the portal forgot every token
    assert portal.get("LayHoiDap")["error_code"] == "0"
    assert len(received(control, endpoint="token")) == 2


def test_an_expired_token_is_renewed_before_use(portal, control):
    control.post("/_control/dvcqg/settings", json={"token_ttl": 1})
    portal.get("LayHoiDap")
    portal.get("LayHoiDap")  # still fresh: the same token
    time.sleep(0.6)  # a 1 s token is renewed after half its life, before the portal drops it
    portal.get("LayHoiDap")
    assert len(received(control, endpoint="token")) == 2
    assert all(c["status"] == 200 for c in received(control, endpoint="LayHoiDap"))


def test_wrong_credentials_raise(simulator):
    client = DvcqgClient(f"{simulator.url}/dvcqg", "motcua", "wrong", timeout=2)
    with pytest.raises(DvcqgError) as caught:
        client.get("LayHoiDap")
    assert caught.value.status == 401
    assert not caught.value.retryable


def test_a_5xx_raises_a_retryable_error(portal, control):
    control.post("/_control/faults", json={"endpoint": "dvcqg.LayHoiDap", "error_rate": 1})
    with pytest.raises(DvcqgError) as caught:
        portal.get("LayHoiDap")
    assert caught.value.status == 503 and caught.value.retryable


def test_a_timeout_raises_a_retryable_error(simulator, control):
    client = DvcqgClient(f"{simulator.url}/dvcqg", *DVCQG_CLIENT, timeout=0.3)
    client.token()
    control.post(
        "/_control/faults",
        json={"endpoint": "dvcqg.LayHoiDap", "timeout_rate": 1, "hold_seconds": 2, "times": 1},
    )
    with pytest.raises(DvcqgError) as caught:
        client.get("LayHoiDap")
    assert caught.value.status == 0 and caught.value.retryable
    assert client.get("LayHoiDap")["error_code"] == "0"


def test_invalid_record_raises_with_the_portal_errors(portal):
    bad = dossier_record("T-2", NgayHenTra="2025-12-02")
    with pytest.raises(DvcqgError) as caught:
        portal.call("DongBoHoSoMC", {"service": "DongBoHoSoMC", "data": [bad]})
    assert caught.value.status == 400
    assert "NgayHenTra" in caught.value.message


def test_http_200_with_an_error_code_raises(monkeypatch, portal):
    def answer(request):
        return httpx.Response(200, json={"error_code": "-1", "message": "Lỗi nghiệp vụ"})

    portal._http = httpx.Client(base_url=portal.base_url, transport=httpx.MockTransport(answer))
    portal._token, portal._token_expiry = "t", float("inf")
    with pytest.raises(DvcqgError) as caught:
        portal.get("LayHoiDap")
    assert (caught.value.status, caught.value.error_code) == (200, "-1")
    assert caught.value.message == "Lỗi nghiệp vụ"


def test_idempotency_key_is_sent(portal, control):
    body = {"service": "DongBoHoSoMC", "data": [dossier_record("T-3")]}
    portal.call("DongBoHoSoMC", body, idempotency_key="k-1")
    portal.call("DongBoHoSoMC", body, idempotency_key="k-1")
    first, second = received(control, endpoint="DongBoHoSoMC")
    assert not first.get("replay") and second["replay"] is True


def test_download_fetches_an_attachment(portal):
    record = portal.get("LayDanhSachHoSo")["data"][0]
    item = record["TaiLieuNop"][0]
    data = portal.download(item["DuongDanTaiTepTin"])
    assert hashlib.sha256(data).hexdigest() == item["MaBam"]
    assert len(data) == item["KichThuoc"]


def test_download_refuses_a_link_to_another_host(portal, control):
    with pytest.raises(DvcqgError):
        portal.download("http://203.0.113.9/dvcqg/api/LayTepDinhKem?MaHoSo=x")
    assert received(control, endpoint="LayTepDinhKem") == []
