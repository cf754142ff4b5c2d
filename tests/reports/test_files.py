"""The .xlsx opened back (its XML: openpyxl is not a dependency) and the PDF read back
with pdftotext: the same numbers as the report object, the header, the late list."""

import io
import re
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from motcua.reports import pdf, selectors, xlsx
from motcua.serviceindex.selectors import province
from tests.browser.shots import screenshot_folder
from tests.reports.test_numbers import APOLOGY, story  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _col(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group()
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_xlsx(data: bytes) -> dict[str, list[list]]:
    """Each sheet as rows of values (strings or numbers), by the workbook's sheet names."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))  # noqa: S314 - ours
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
        book = ET.fromstring(z.read("xl/workbook.xml"))  # noqa: S314 - ours
        names = [s.get("name") for s in book.find("m:sheets", NS)]
        out = {}
        for i, name in enumerate(names, start=1):
            root = ET.fromstring(z.read(f"xl/worksheets/sheet{i}.xml"))  # noqa: S314
            rows = []
            for row in root.iter(f"{{{NS['m']}}}row"):
                values: list = []
                for c in row.findall("m:c", NS):
                    col = _col(c.get("r"))
                    values += [None] * (col + 1 - len(values))
                    kind, v = c.get("t"), c.find("m:v", NS)
                    if kind == "s":
                        values[col] = shared[int(v.text)]
                    elif kind == "inlineStr":
                        values[col] = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
                    elif v is not None:
                        values[col] = float(v.text)
                rows.append(values)
            out[name] = rows
    return out


@pytest.fixture
def march(story):  # noqa: F811
    return selectors.build(province(), selectors.parse({"ky": "thang", "nam": 2026, "thang": 3}))


def test_xlsx_has_the_numbers_and_the_late_list(world, march):
    sheets = read_xlsx(xlsx.render(march))
    form, late = sheets["Bieu 06"], sheets["Ho so tre han"]
    texts = [v for row in form for v in row if isinstance(v, str)]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "Độc lập - Tự do - Hạnh phúc" in texts
    assert "Biểu số 06a/VPCP/KSTT" in texts
    assert any("Tháng 03/2026" in t for t in texts)
    field_row = next(r for r in form if len(r) > 1 and r[1] == world.proc.field.name)
    assert field_row[2:] == [float(v) for v in march.rows[0].values()]
    assert field_row[2:6] == [5.0, 0.0, 1.0, 4.0]  # received: total, carried, online, direct
    total_row = next(r for r in form if len(r) > 1 and r[1] == "Tổng cộng")
    assert total_row[2:] == [float(v) for v in march.total.values()]
    listed = [r for r in late if r and isinstance(r[0], float)]
    assert len(listed) == 2
    assert any(r[-1] == APOLOGY for r in listed)


def pdf_text(data: bytes) -> str:
    """pdftotext when the machine has it (layout kept), else pypdf (a test dependency)."""
    if tool := shutil.which("pdftotext"):
        return subprocess.run(  # noqa: S603 - the system tool, our own file
            [tool, "-layout", "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_pdf_is_text_extractable_landscape_a4(world, march, tmp_path):
    data = pdf.render(march)
    # Kept with the browser tests' screenshots (MOTCUA_SCREENSHOTS), to be looked at.
    (screenshot_folder(tmp_path, "reports") / "bao-cao-06.pdf").write_bytes(data)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    flat = " ".join(text.split())
    for phrase in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "Tháng 03/2026",
        "Biểu số 06a/VPCP/KSTT",
    ):
        assert phrase in flat, phrase
    # The explanation wraps inside its cell: its words, in the late list's part.
    late_part = flat.split("Danh sách hồ sơ giải quyết quá hạn", 1)[1]
    assert all(word in late_part for word in APOLOGY.split())
    numbers = " ".join(str(v) for v in march.rows[0].values())
    assert f"{march.rows[0].label} {numbers}" in flat
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


def test_empty_period_still_makes_both_files(world):
    report = selectors.build(province(), selectors.parse({"ky": "nam", "nam": 2024}))
    assert report.rows == [] and report.total.received == 0
    sheets = read_xlsx(xlsx.render(report))
    assert any(
        "Không có hồ sơ quá hạn" in (v or "")
        for r in sheets["Ho so tre han"]
        for v in r
        if isinstance(v, str)
    )
    assert pdf.render(report).startswith(b"%PDF-")
    assert timezone.now()


def test_xlsx_writes_text_as_text(world, march):
    # An explanation typed by an officer: never a formula or a link in the leader's file.
    note = '=HYPERLINK("http://example.invalid/x") xem http://example.invalid/y'
    march.late[0].explanation = note
    data = xlsx.render(march)
    assert note in [r[-1] for r in read_xlsx(data)["Ho so tre han"] if r]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in sheet and "<hyperlink" not in sheet
