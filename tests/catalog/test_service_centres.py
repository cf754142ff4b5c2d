"""Service centres (NĐ 118/2025): the demo's provincial centre and branch, and which one
receives for an agency."""

from __future__ import annotations

from motcua.catalog import services
from motcua.catalog.models import AdministrativeUnit, ServiceCentre
from motcua.catalog.selectors import centre_for


def _province() -> None:
    province = AdministrativeUnit.objects.create(
        code="37", name="Tỉnh Ninh Bình", division_type="tỉnh"
    )
    for i in range(1, 4):
        AdministrativeUnit.objects.create(
            code=f"1{i:04d}", name=f"Phường Số {i}", division_type="phường", parent=province
        )


def test_demo_loads_the_provincial_centre_and_a_branch(db):
    _province()
    agencies = services.load_demo_province("37", "H37")
    centre, branch = services.load_demo_centres(agencies)
    assert centre.name == "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình"
    assert centre.parent_line == "UBND TỈNH NINH BÌNH"
    assert branch.parent == centre
    assert centre_for(agencies["so_xay_dung"]) == centre
    assert centre_for(agencies["commune_1"]) == branch
    # Idempotent: loading again keeps two centres with the same agencies.
    services.load_demo_centres(agencies)
    assert ServiceCentre.objects.count() == 2
    assert set(branch.agencies.all()) == {a for k, a in agencies.items() if "commune" in k}


def test_a_branch_comes_before_the_centre_and_inactive_ones_never(db):
    _province()
    agencies = services.load_demo_province("37", "H37")
    centre, branch = services.load_demo_centres(agencies)
    commune = agencies["commune_2"]
    centre.agencies.add(commune)  # served by both: the nearer unit (the branch) receives
    assert centre_for(commune) == branch
    branch.is_active = False
    branch.save()
    assert centre_for(commune) == centre
    assert centre_for(None) is None
