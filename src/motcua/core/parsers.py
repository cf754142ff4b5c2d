"""Request body parsers whose every failure is a 400 problem document in Vietnamese.

DRF's own answer English ("JSON parse error - ...") and let a RecursionError from deeply
nested JSON escape as a 500.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            raise ParseError("Nội dung JSON gửi lên không hợp lệ.") from exc
        except RecursionError as exc:
            raise ParseError("Nội dung JSON lồng nhau quá sâu.", code="too_deep") from exc


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            raise ParseError("Dữ liệu multipart gửi lên không hợp lệ.") from exc


class FormParser(parsers.FormParser):
    pass


BODY_PARSERS = [JSONParser]
FILE_PARSERS = [MultiPartParser, FormParser, JSONParser]
