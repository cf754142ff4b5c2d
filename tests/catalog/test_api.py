"""Catalogue API: search that ignores case and diacritics, procedure detail, agencies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from motcua.catalog import selectors
from motcua.catalog.models import Field, Procedure

PROBLEM = "application/problem+json"


@pytest.fixture
def api() -> APIClient:
    return APIClient()  # the catalogue is public: no login


def codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {p["code"] for p in response.json()["results"]}


@pytest.mark.parametrize(
    "q",
    [
        "giay phep xay dung",
        "GIAY PHEP XAY DUNG",
        "Giấy phép xây dựng",
        "  giấy   PHÉP xay DỰNG ",
        "xay dung nha o rieng le",
        "1.013225",
    ],
)
def test_search_ignores_case_and_diacritics(api, world, q):
    assert codes(api.get("/api/v1/procedures/", {"q": q})) == {"1.013225"}


@pytest.mark.parametrize("q", ["dang ky", "Đăng ký", "ĐĂNG KÝ khai sinh", "đang ky", "DANG KY"])
def test_search_folds_d_with_stroke(api, world, q):
    # "đ/Đ" is its own letter, not d + a combining mark: fold must map it explicitly.
    assert codes(api.get("/api/v1/procedures/", {"q": q})) == {"1.001193"}


def test_search_needs_every_word(api, world):
    assert codes(api.get("/api/v1/procedures/", {"q": "giay khai sinh"})) == set()


def test_empty_query_lists_active_procedures_only(api, world):
    world.commune_proc.is_active = False
    world.commune_proc.save()
    assert codes(api.get("/api/v1/procedures/")) == {"1.013225"}


def test_filters_by_level_field_and_agency(api, world):
    civil = Field.objects.create(code="ho-tich", name="Hộ tịch")
    Procedure.objects.create(
        code="1.000894",
        name="Đăng ký kết hôn",
        field=civil,
        level=Procedure.Level.COMMUNE,
        online_level=Procedure.OnlineLevel.PARTIAL,
        processing_days=Decimal("3"),
        result_type="Giấy chứng nhận kết hôn",
    )
    url = "/api/v1/procedures/"
    assert codes(api.get(url, {"level": "commune"})) == {"1.001193", "1.000894"}
    assert codes(api.get(url, {"level": "province"})) == {"1.013225"}
    assert codes(api.get(url, {"field": "ho-tich"})) == {"1.000894"}
    assert codes(api.get(url, {"field": "ho-tich", "q": "dang ky"})) == {"1.000894"}
    assert codes(api.get(url, {"agency": world.dept.identifier})) == {"1.013225"}
    # A commune carries out every commune-level procedure.
    assert codes(api.get(url, {"agency": world.commune.identifier})) == {"1.001193", "1.000894"}
    assert codes(api.get(url, {"agency": world.other_dept.identifier})) == set()


def test_selector_is_reusable_by_pages(world):
    assert [p.code for p in selectors.search_procedures("Đăng Ky")] == ["1.001193"]


def test_bad_filter_is_a_problem(api, world):
    response = api.get("/api/v1/procedures/", {"level": "district"})
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "level" in response.json()["errors"]


def test_search_is_paginated(api, world):
    body = api.get("/api/v1/procedures/", {"limit": 1}).json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert body["next"]


def test_procedure_detail(api, world):
    world.proc.fee_vnd, world.proc.charge_vnd = 50_000, 25_000
    world.proc.save()
    response = api.get(f"/api/v1/procedures/{world.proc.code}/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "1.013225"
    assert body["name"] == "Cấp giấy phép xây dựng nhà ở riêng lẻ"
    assert body["level"] == "province"
    assert body["online_level"] == "full"
    assert Decimal(body["processing_days"]) == Decimal("3")
    assert (body["fee_vnd"], body["charge_vnd"], body["total_fee_vnd"]) == (50_000, 25_000, 75_000)
    assert body["agency"] == {"identifier": "000.00.01.H37", "name": "Sở Xây dựng"}
    components = list(world.proc.components.all())
    assert body["components"] == [
        {"id": c.pk, "name": c.name, "copies": 1, "required": True} for c in components
    ]


def test_commune_procedure_has_no_agency_of_its_own(api, world):
    body = api.get(f"/api/v1/procedures/{world.commune_proc.code}/").json()
    assert body["agency"] is None
    assert body["level"] == "commune"


def test_unknown_procedure_is_a_404_problem(api, world):
    response = api.get("/api/v1/procedures/9.999999/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404


def test_agencies_for_choosing_a_commune(api, world):
    body = api.get("/api/v1/agencies/", {"level": "commune"}).json()
    assert body["results"] == [
        {"identifier": "001.10.00.H37", "name": "UBND Phường Hoa Lư", "level": "commune"}
    ]
    everyone = api.get("/api/v1/agencies/").json()
    assert everyone["count"] == 3
    world.other_dept.is_active = False
    world.other_dept.save()
    assert api.get("/api/v1/agencies/").json()["count"] == 2
    assert api.get("/api/v1/agencies/", {"level": "district"}).status_code == 400
