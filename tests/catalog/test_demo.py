import pytest
from django.core.management import call_command

from motcua.catalog.models import AdministrativeUnit, Agency, Officer, Procedure
from motcua.core import audit
from motcua.core.models import CalendarDay
from motcua.dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def test_demo_province_loads_and_is_idempotent():
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert AdministrativeUnit.objects.filter(parent=None).count() == 34
    assert AdministrativeUnit.objects.filter(parent__code="37").count() > 50
    assert Procedure.objects.count() >= 30
    assert Procedure.objects.filter(level="commune").exists()
    assert Procedure.objects.filter(level="province").exists()
    assert all(p.components.exists() for p in Procedure.objects.all())
    assert set(Officer.objects.values_list("role", flat=True)) == {"desk", "specialist", "leader"}
    assert Agency.objects.filter(level="commune").count() >= 1
    assert CalendarDay.objects.filter(kind="holiday").exists()
    statuses = set(Dossier.objects.values_list("status", flat=True))
    assert {"submitted", "processing", "supplement", "received", "returned"} <= statuses
    counts = (
        Procedure.objects.count(),
        Agency.objects.count(),
        AdministrativeUnit.objects.count(),
        Dossier.objects.count(),
    )
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts == (
        Procedure.objects.count(),
        Agency.objects.count(),
        AdministrativeUnit.objects.count(),
        Dossier.objects.count(),
    )
    assert audit.verify().ok


def test_search_text_ignores_diacritics():
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    birth = Procedure.objects.get(code="1.001193")
    assert "dang ky khai sinh" in birth.search_text
