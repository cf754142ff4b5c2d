"""A few dossiers in different states, so that a fresh demo has queues to look at.

Everything goes through the services, as a person would do it: the events, audit entries
and outbox messages are the real ones.
"""

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand

from motcua.catalog.models import Agency, Procedure
from motcua.dossiers import services
from motcua.dossiers.models import Dossier

# A minimal, valid one-page PDF: the demo's scanned documents.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _files(procedure: Procedure) -> list[services.Upload]:
    return [
        services.Upload(SimpleUploadedFile(f"thanh-phan-{i}.pdf", PDF), c.pk)
        for i, c in enumerate(procedure.components.all(), start=1)
    ]


def _online(procedure, user, id_number, agency=None) -> Dossier:
    applicant = services.ApplicantData(
        name=user.get_full_name(), id_number=id_number, email=user.email, phone="0912345678"
    )
    return services.submit(
        procedure=procedure,
        applicant=applicant,
        actor=user,
        agency=agency,
        uploads=_files(procedure),
    ).dossier


class Command(BaseCommand):
    help = "Create a handful of demo dossiers (only when there are none yet)."

    def handle(self, *args, **options):
        if Dossier.objects.exists():
            self.stdout.write("demo dossiers: dossiers exist already, nothing added")
            return
        users = {u.username: u for u in User.objects.filter(username__in=["congdan", "congdan2"])}
        staff = {u.username: u for u in User.objects.filter(officer__isnull=False)}
        an, bich = users["congdan"], users["congdan2"]
        construction = Procedure.objects.filter(agency__short_key="so_xay_dung").order_by(
            "-name"  # "Cấp giấy phép xây dựng ..." before the transport permits
        )
        building = (
            construction.filter(name__icontains="giấy phép xây dựng").first() or construction[0]
        )
        birth = Procedure.objects.get(code="1.001193")
        commune = Agency.objects.get(short_key="commune_1")
        desk, specialist = staff["motcua.xaydung"], staff["cv.xaydung"]

        _online(building, an, "001090000001")  # waits for the desk (8 working hours)

        d = services.receive(_online(building, bich, "001190000002"), desk)
        services.assign(d, desk, to_agency=d.agency, to_user=specialist, note="Thẩm định hồ sơ")

        d = services.receive(_online(building, an, "001090000001"), desk)
        services.request_supplement(
            d, desk, ["Bản vẽ mặt bằng có chữ ký của chủ đầu tư"], note="Bổ sung bản vẽ"
        )

        services.submit(
            procedure=building,
            applicant=services.ApplicantData(name="Lê Văn Cường", id_number="037085000123"),
            actor=desk,
            channel="desk",
        )

        c_desk, c_leader = staff["motcua.xa1"], staff["ld.xa1"]
        d = services.receive(_online(birth, an, "001090000001", agency=commune), c_desk)
        d = services.assign(d, c_desk, to_agency=commune, to_user=staff["cv.xa1"])
        d = services.approve(d, c_leader)
        d = services.finish(
            d, staff["cv.xa1"], [services.Upload(SimpleUploadedFile("giay-khai-sinh.pdf", PDF))]
        )
        services.return_result(d, c_desk, "online")
        self.stdout.write(f"demo dossiers: {Dossier.objects.count()} added")
