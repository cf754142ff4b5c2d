"""A few dossiers in different states, so that a fresh demo has queues to look at.

Everything goes through the services, as a person would do it: the events, audit entries
and outbox messages are the real ones.
"""

import io

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from motcua.catalog.models import Agency, Procedure
from motcua.dossiers import policy, services
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


def result_pdf() -> bytes:
    """A one-line A4 page written by pypdf: a draft result the signer can stamp (a page
    needs a content stream for the stamp to be added to)."""
    out = io.BytesIO()
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 16 Tf 72 760 Td (TRICH LUC KHAI SINH - BAN DEMO) Tj ET")
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Contents")] = writer._add_object(content)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    writer.write(out)
    return out.getvalue()


def _step(dossier: Dossier, user, action: str, **kwargs) -> Dossier:
    """Do `action` on the open step of the dossier's process that `user` may act on."""
    step = policy.steps_for(user, dossier, action)[0]
    return getattr(services, action)(dossier, user, step.pk, **kwargs)


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

        # Received: the first step of its process (appraisal) is taken by the specialist.
        d = services.receive(_online(building, bich, "001190000002"), desk)
        _step(d, specialist, "take_step")

        d = services.receive(_online(building, an, "001090000001"), desk)
        services.request_supplement(
            d,
            desk,
            [
                services.MissingItem(
                    "Bản vẽ mặt bằng có chữ ký của chủ đầu tư",
                    "Bản vẽ đã nộp chưa có chữ ký của chủ đầu tư",
                )
            ],
            note="Bổ sung bản vẽ",
        )

        services.submit(
            procedure=building,
            applicant=services.ApplicantData(name="Lê Văn Cường", id_number="037085000123"),
            actor=desk,
            channel="desk",
        )

        c_desk, c_leader = staff["motcua.xa1"], staff["ld.xa1"]
        # Through its whole process: check, draft, signature (demo CA), issue, return.
        c_specialist = staff["cv.xa1"]
        d = services.receive(_online(birth, an, "001090000001", agency=commune), c_desk)
        d = _step(d, c_specialist, "complete_step", note="Hồ sơ hợp lệ")
        draft = SimpleUploadedFile("giay-khai-sinh.pdf", result_pdf(), "application/pdf")
        d = _step(d, c_specialist, "complete_step", uploads=[services.Upload(draft)])
        d = _step(d, c_leader, "sign")
        d = _step(d, c_specialist, "complete_step", note="Vào sổ, ban hành")
        services.return_result(d, c_desk, "online")
        self.stdout.write(f"demo dossiers: {Dossier.objects.count()} added")
