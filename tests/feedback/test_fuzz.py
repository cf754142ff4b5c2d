"""Hostile text in every field of the feedback pages never makes a 500 (the test client
re-raises a view's exception); a refusal is answered in Vietnamese."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from motcua.feedback import services
from motcua.feedback.models import RATING_CRITERIA
from tests.feedback.helpers import returned
from tests.fuzz.conftest import FUZZ
from tests.fuzz.test_api import is_vietnamese
from tests.fuzz.test_pages import HOSTILE

pytestmark = pytest.mark.fuzz

RATING_FIELDS = [f"tieu-chi-{k}" for k in RATING_CRITERIA] + ["nhan-xet"]
FEEDBACK_FIELDS = ["loai", "ho-so", "co-quan", "noi-dung", "ho-ten", "lien-he", "dong-y-cong-khai"]
HANDLING_FIELDS = ["thao-tac", "can-bo", "co-quan", "tra-loi", "cau-hoi-cong-khai"]


def _check(response):
    assert response.status_code < 500
    if response.status_code in (400, 403, 409):
        assert is_vietnamese(response.content.decode())


def _posts(fields):
    return st.dictionaries(st.sampled_from(fields), HOSTILE, max_size=len(fields))


def test_hostile_posts_on_every_feedback_page(world):
    dossier = returned(world)
    citizen = Client()
    citizen.force_login(world.citizen)
    desk = Client()
    desk.force_login(world.desk)
    item = services.submit_feedback(
        world.citizen,
        services.Submission(
            kind="report",
            content="Nội dung phản ánh thử nghiệm.",
            name="Dân",
            contact="0912345678",
            agency_id=world.dept.pk,
        ),
    )
    tablet = Client()
    _, token = services.open_kiosk(world.desk)
    tablet.cookies["motcua_kiosk"] = token

    @FUZZ
    @given(rating=_posts(RATING_FIELDS), feedback=_posts(FEEDBACK_FIELDS))
    def run(rating, feedback):
        _check(citizen.post(f"/ho-so-cua-toi/{dossier.code}/danh-gia/", rating))
        _check(tablet.post(f"/mot-cua/danh-gia/ho-so/{dossier.code}/", rating))
        _check(tablet.post("/mot-cua/danh-gia/", {"ma-ho-so": rating.get("nhan-xet", "")}))
        _check(citizen.post("/hoi-dap/gui/", feedback))

    run()

    @FUZZ
    @given(data=_posts(HANDLING_FIELDS), action=st.sampled_from(["phan-cong", "tra-loi", "x"]))
    def handle(data, action):
        _check(desk.post(f"/mot-cua/phan-anh/{item.pk}/", {**data, "thao-tac": action}))

    handle()
