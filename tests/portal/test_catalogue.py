"""The catalogue in Vietnamese order, and abbreviations and synonyms kept as data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from motcua.catalog.models import Agency, Field, SearchTerm
from motcua.catalog.selectors import active_agencies, query_variants, search_procedures
from motcua.dossiers import selectors as dossier_selectors
from tests import factories

pytestmark = pytest.mark.django_db

NAMES = [
    "Chấm dứt hoạt động văn phòng luật sư",
    "Đăng ký khai sinh",
    "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Xác nhận tình trạng hôn nhân",
    "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
    "Ăn uống: cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
    "Dừng kinh doanh",
]
EXPECTED = [
    "Ăn uống: cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
    "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
    "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Chấm dứt hoạt động văn phòng luật sư",
    "Dừng kinh doanh",
    "Đăng ký khai sinh",
    "Xác nhận tình trạng hôn nhân",
]


@pytest.fixture
def catalogue(db):
    agency = factories.agency()
    return [factories.procedure(agency, name=name) for name in NAMES]


def test_search_lists_procedures_in_vietnamese_order(catalogue):
    assert [p.name for p in search_procedures()] == EXPECTED


def test_catalogue_page_is_in_vietnamese_order(client, catalogue):
    html = client.get(reverse("catalogue")).content.decode()
    positions = [html.index(name) for name in EXPECTED]
    assert positions == sorted(positions)


def test_sort_key_follows_renames(catalogue):
    first = catalogue[0]  # "Chấm dứt ..."
    first.name = "An ninh trật tự"
    first.save(update_fields=["name"])
    assert search_procedures()[0].name == "An ninh trật tự"


def test_field_choices_and_agencies_in_vietnamese_order(client, db):
    for code, name in [("xd", "Xây dựng"), ("dd", "Đất đai"), ("ct", "Chứng thực")]:
        Field.objects.create(code=code, name=name)
    Field.objects.create(code="cap", name="Cấp nước")
    assert list(Field.objects.values_list("name", flat=True)) == [
        "Cấp nước",
        "Chứng thực",
        "Đất đai",
        "Xây dựng",
    ]
    html = client.get(reverse("catalogue")).content.decode()
    assert html.index("Cấp nước") < html.index("Chứng thực") < html.index("Đất đai")
    for identifier, name in [("000.00.01.H37", "Sở Xây dựng"), ("000.00.02.H37", "Sở Công Thương")]:
        factories.agency(identifier, name=name)
    assert [a.name for a in active_agencies()] == ["Sở Công Thương", "Sở Xây dựng"]
    assert isinstance(active_agencies().first(), Agency)


def test_communes_in_vietnamese_order(db):
    province = factories.unit("37", "Tỉnh Ninh Bình")
    for code, name in [
        ("1", "Xã Yên Mạc"),
        ("2", "Phường Đông Hoa Lư"),
        ("3", "Phường Chu Văn An"),
    ]:
        factories.unit(code, name, parent=province)
    assert [u.name for u in dossier_selectors.communes_of(province)] == [
        "Phường Chu Văn An",
        "Phường Đông Hoa Lư",
        "Xã Yên Mạc",
    ]


@pytest.mark.parametrize(
    ("q", "name"),
    [
        ("GPXD", "Cấp giấy phép xây dựng nhà ở riêng lẻ"),
        ("gpxd nhà ở", "Cấp giấy phép xây dựng nhà ở riêng lẻ"),
        ("GCN QSDĐ", "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu"),
        ("gcn qsdd", "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu"),
        ("sổ đỏ", "Cấp Giấy chứng nhận quyền sử dụng đất lần đầu"),
        ("ATTP", "Ăn uống: cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"),
    ],
)
def test_abbreviations_and_synonyms_find_procedures(client, catalogue, q, name):
    assert [p.name for p in search_procedures(q)] == [name]
    html = client.get(reverse("catalogue"), {"q": q}).content.decode()
    assert name in html


def test_search_terms_are_data_an_administrator_adds(catalogue):
    assert list(search_procedures("TTHN")) == []
    SearchTerm.objects.create(term="TTHN", expansion="tình trạng hôn nhân")
    assert [p.name for p in search_procedures("tthn")] == ["Xác nhận tình trạng hôn nhân"]


def test_terms_match_whole_words_only():
    # "gpxd" inside another word is not the abbreviation.
    assert query_variants("abcgpxd") == ["abcgpxd"]
    assert query_variants("GPXD") == ["gpxd", "giay phep xay dung"]
    assert query_variants("") == [""]


def test_seeded_terms_include_the_common_abbreviations():
    terms = set(SearchTerm.objects.values_list("term", flat=True))
    assert {"GPXD", "CCCD", "ĐKKD", "GCN QSDĐ"} <= terms
