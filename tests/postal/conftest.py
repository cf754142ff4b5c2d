import httpx
import pytest

from motcua.core import outbox
from motcua.dossiers import services
from tests import factories

API_KEY = "motcua-postal-key"  # the simulator's defaults
SECRET = "motcua-postal-webhook-secret"


@pytest.fixture
def units(world):
    province = factories.unit("37", "Tỉnh Ninh Bình")
    other = factories.unit("01", "Thành phố Hà Nội")
    return {
        "province": province,
        "commune": factories.unit("14308", "Phường Hoa Lư", parent=province),
        "other_province": other,
        "other_commune": factories.unit("00004", "Phường Ba Đình", parent=other),
    }


@pytest.fixture
def postal(simulator, settings):
    """Motcua's Bưu điện adapter pointed at the simulated operator; `.http` talks to the
    simulator (its control routes included)."""
    settings.MOTCUA_POSTAL_OPERATOR = "buudien"
    settings.MOTCUA_POSTAL_URL = f"{simulator.url}/postal"
    settings.MOTCUA_POSTAL_API_KEY = API_KEY
    settings.MOTCUA_POSTAL_CUSTOMER_CODE = "H37-TTPVHCC"
    settings.MOTCUA_POSTAL_WEBHOOK_SECRET = SECRET
    with httpx.Client(base_url=simulator.url, timeout=10) as http:
        simulator.http = http
        yield simulator


def done_by_post(world, units):
    """A dossier whose applicant chose the post, processed to the end (result issued)."""
    choice = services.ReturnChoice("post", "Số 12 đường Trần Hưng Đạo", units["commune"])
    dossier = services.receive(world.submit_online(return_choice=choice), world.desk)
    dossier = services.assign(dossier, world.desk, to_agency=world.dept, to_user=world.specialist)
    dossier = services.approve(dossier, world.leader)
    return services.finish(dossier, world.specialist)


def deliver():
    """What the worker does: deliver due outbox messages (the postal ones included)."""
    return outbox.deliver_pending()


def emit(postal, tracking, status, **extra):
    """The simulated operator records an event; its signed copy (no webhook configured)."""
    answer = postal.http.post(
        f"/_control/postal/orders/{tracking}/events", json={"status": status, **extra}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def post_signed(client, sent):
    """Hand a signed event the simulator produced to Motcua's webhook."""
    from motcua.postal import buudien

    return client.post(
        "/api/v1/postal/events/",
        data=sent["body"].encode(),
        content_type="application/json",
        headers={buudien.SIGNATURE_HEADER: sent["signature"]},
    )
