"""The fee shown at submission: GET /api/v1/postal/quote/ asks the operator (the
simulator's tariff), the address checked against the administrative units."""

from __future__ import annotations

from tests.postal.test_webhook import _problem

URL = "/api/v1/postal/quote/"


def test_quote_for_a_commune_of_the_province(client, units, postal):
    response = client.get(URL, {"return_unit": "14308"})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "fee_vnd": 22000,
        "service": "BCCP-HCC",
        "delivery_time": "1–2 ngày",
        "operator": "Bưu điện (dịch vụ bưu chính công ích)",
        "return_unit": {"code": "14308", "name": "Phường Hoa Lư"},
        "province": {"code": "37", "name": "Tỉnh Ninh Bình"},
    }
    other = client.get(URL, {"return_unit": "00004", "from_province": "37"}).json()
    assert other["fee_vnd"] == 32000


def test_a_bad_address_is_a_problem_document(client, units, postal):
    _problem(client.get(URL), 400, "invalid")
    problem = _problem(
        client.get(URL, {"return_unit": "99999"}), 400, "unknown_administrative_unit"
    )
    assert "99999" in problem["detail"]
    problem = _problem(client.get(URL, {"return_unit": "37"}), 400, "return_unit_not_commune")
    assert "cần chọn xã, phường" in problem["detail"]
    _problem(client.get(URL, {"return_unit": "14308", "from_province": "3"}), 400, "invalid")


def test_operator_down_is_503_with_a_vietnamese_detail(client, units, postal, settings):
    postal.http.post("/_control/postal/settings", json={"down": True})
    problem = _problem(client.get(URL, {"return_unit": "14308"}), 503, "postal_unavailable")
    assert "Chưa lấy được cước phí" in problem["detail"]
    settings.MOTCUA_POSTAL_URL = ""
    _problem(client.get(URL, {"return_unit": "14308"}), 503, "postal_unavailable")


def test_the_desk_sends_by_post_and_follows_the_parcel_through_the_api(world, units, postal):
    from tests.dossiers.test_api import client_for
    from tests.postal.conftest import deliver, done_by_post, emit

    dossier = done_by_post(world, units)
    desk = client_for(world.desk)
    _problem(desk.post("/api/v1/postal/orders/", {}, format="json"), 400, "invalid")
    response = desk.post("/api/v1/postal/orders/", {"dossier": dossier.code}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending" and response.json()["tracking_number"] is None
    _problem(
        desk.post("/api/v1/postal/orders/", {"dossier": dossier.code}, format="json"),
        409,
        "illegal_transition",
    )
    deliver()
    [order] = desk.get("/api/v1/postal/orders/", {"dossier": dossier.code}).json()
    emit(postal, order["tracking_number"], "picked_up")
    from motcua.postal import services

    services.poll()
    [order] = desk.get("/api/v1/postal/orders/", {"dossier": dossier.code}).json()
    assert order["status"] == "picked_up"
    assert [e["kind"] for e in order["events"]] == ["picked_up"]
    assert order["fee_vnd"] == 22000
    # Not the citizen's to send, nor another agency's to see.
    _problem(
        client_for(world.citizen).post(
            "/api/v1/postal/orders/", {"dossier": dossier.code}, format="json"
        ),
        403,
        "forbidden",
    )
    _problem(
        client_for(world.other_desk).get("/api/v1/postal/orders/", {"dossier": dossier.code}),
        404,
        None,
    )
