import httpx
import pytest

from motcua.dossiers import services as dossier_services

MERCHANT = "MOTCUA37"
SECRET = "motcua-paygov-secret"  # the simulator's default


@pytest.fixture
def paygov(settings, simulator):
    """Motcua pointed at the simulated PayGov; `.http` talks to the simulator."""
    settings.MOTCUA_PAYMENT_PLATFORM = "paygov"
    settings.MOTCUA_PAYGOV_URL = f"{simulator.url}/payment"
    settings.MOTCUA_PAYGOV_MERCHANT_CODE = MERCHANT
    settings.MOTCUA_PAYGOV_SECRET = SECRET
    settings.MOTCUA_PAYGOV_TIMEOUT = 3
    with httpx.Client(base_url=simulator.url, timeout=10) as http:
        simulator.http = http
        yield simulator


def processing(world):
    """A received dossier being processed (where a payment can be requested)."""
    dossier = dossier_services.receive(world.submit_online(), world.desk)
    return dossier_services.assign(dossier, world.desk, to_agency=world.dept)


def set_fees(world, fee=0, charge=200_000):
    world.proc.fee_vnd = fee
    world.proc.charge_vnd = charge
    world.proc.save()


def pay_on_platform(sim, payment, notify=False, **extra):
    """The citizen pays the order on the simulated platform (without the browser)."""
    answer = sim.http.post(
        f"/_control/payment/orders/{payment.order_id}/pay",
        json={"amount": payment.amount_vnd, "notify": notify, **extra},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def notification(sim, payment, kind="normal"):
    """The notification the platform would send for the order now (not sent)."""
    answer = sim.http.post(
        f"/_control/payment/orders/{payment.order_id}/notify",
        json={"kind": kind, "deliver": False},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def post_notification(client, note):
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in note["headers"].items()}
    headers.pop("HTTP_CONTENT_TYPE", None)
    return client.post(
        "/api/v1/payments/notify/",
        data=note["body"].encode(),
        content_type="application/json",
        **headers,
    )
