import httpx
import pytest

DVCQG_CLIENT = ("motcua", "motcua-dvcqg-secret")  # the simulator's defaults


@pytest.fixture
def http(simulator):
    with httpx.Client(base_url=simulator.url, timeout=5) as client:
        yield client


@pytest.fixture
def dvcqg(http):
    """A client of the simulated portal, holding a bearer token."""
    answer = http.post(
        "/dvcqg/oauth/token", data={"grant_type": "client_credentials"}, auth=DVCQG_CLIENT
    )
    assert answer.status_code == 200, answer.text
    http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return http


def received(http, **filters):
    answer = http.get("/_control/received", params=filters)
    assert answer.status_code == 200
    return answer.json()["items"]


def dossier_record(code, status=2, **extra):
    """A DongBoHoSoMC record that passes the schema."""
    return {
        "MaHoSo": code,
        "MaTTHC": "1.001193",
        "MaDonVi": "001.10.00.H37",
        "ChuHoSo": "Nguyễn Văn An",
        "MaDoiTuong": "001090000001",
        "NgayTiepNhan": "20251201083000",
        "NgayHenTra": "20251202083000",
        "TrangThaiHoSo": status,
        "KenhThucHien": 2,
        "DuocThanhToanTrucTuyen": 0,
        "HoSoCoThanhPhanSoHoa": 1,
        **extra,
    }
