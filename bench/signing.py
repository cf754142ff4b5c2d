"""Signing a one-page result PDF: median and p99 of what sign_result computes outside its
transaction (open the PKCS#12 file, stamp the result code on page 1, PAdES B-B signature),
and of verifying the signed file (pyHanko, demo root trusted).

    .venv/bin/python -m bench.signing [--runs 50]

No database: keys in a temporary folder, the PDF made once with WeasyPrint (an A4 page of
Vietnamese text with embedded Liberation fonts, as a generated result would be).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

PAGE = """<html><head><style>
@page { size: A4; margin: 2cm } body { font-family: 'Liberation Serif'; font-size: 13pt }
h1 { text-align: center; font-size: 14pt }
</style></head><body>
<p><b>ỦY BAN NHÂN DÂN TỈNH NINH BÌNH<br>SỞ XÂY DỰNG</b></p>
<p style="text-align:right">Ninh Bình, ngày 05 tháng 01 năm 2026</p>
<h1>GIẤY PHÉP XÂY DỰNG<br>Số: 000.00.01.H37-260105-0001-KQ1</h1>
<p>Cấp cho: Ông Nguyễn Văn An. Địa chỉ: phường Hoa Lư, tỉnh Ninh Bình.</p>
<p>Được phép xây dựng công trình nhà ở riêng lẻ theo thiết kế đã được thẩm định, với
các nội dung: vị trí, cốt nền, mật độ xây dựng, chiều cao công trình như hồ sơ đề nghị
cấp giấy phép xây dựng kèm theo.</p>
</body></html>"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        os.environ["MOTCUA_SIGNING_KEY_DIR"] = folder
        os.environ["MOTCUA_SIGNING_PASSPHRASE"] = "bench-passphrase"
        django.setup()
        from weasyprint import HTML

        from motcua.signing import ca
        from motcua.signing.keys import passphrase
        from motcua.signing.selectors import verify_pdf
        from motcua.signing.signers import Pkcs12Signer
        from motcua.signing.stamp import stamp_first_page

        pdf = HTML(string=PAGE).write_pdf()
        root = ca.demo_root()
        key, cert = root.issue("Lê Quang Minh", "Sở Xây dựng")
        path = ca.write_pkcs12("bench.p12", root.pkcs12(key, cert, passphrase()))
        roots_file = Path(folder) / "root.pem"
        roots_file.write_bytes(ca.demo_root_path().read_bytes())
        from pyhanko.keys import load_certs_from_pemder

        roots = list(load_certs_from_pemder([str(roots_file)]))
        code = "000.00.01.H37-260105-0001-KQ1"
        lines = [f"Số kết quả: {code}", "Đã ký số bởi: Lê Quang Minh", "Thời điểm ký: 05/01/2026"]

        def sign() -> bytes:
            signer = Pkcs12Signer(path, passphrase(), name="Lê Quang Minh")
            return signer.sign(
                stamp_first_page(pdf, lines),
                reason=f"Ký số kết quả giải quyết {code}",
                location="Sở Xây dựng",
                field_name="KySo1",
            )

        signed = sign()  # warm-up: font loading, imports
        assert verify_pdf(signed, roots).valid
        sign_times, verify_times = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            signed = sign()
            sign_times.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            verify_pdf(signed, roots)
            verify_times.append((time.perf_counter() - start) * 1000)
        print(
            f"sign one-page result PDF ({len(pdf) // 1024} KB -> {len(signed) // 1024} KB), "
            f"{args.runs} runs on {os.cpu_count()} cores: "
            f"median {statistics.median(sign_times):.0f} ms, "
            f"p99 {percentile(sign_times, 99):.0f} ms"
        )
        print(
            f"verify: median {statistics.median(verify_times):.0f} ms, "
            f"p99 {percentile(verify_times, 99):.0f} ms"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
