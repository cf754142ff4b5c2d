"""DRF serializer fields that normalise input with the rules of core.text, as the form
fields of core.forms do for the pages: one set of rules for both edges."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty

from motcua.core import text

# Explicit Vietnamese messages: an API client asking for English must still get the
# problem document's detail in Vietnamese.
CHAR_MESSAGES = {
    "required": "Trường này là bắt buộc.",
    "null": "Trường này không được để trống.",
    "blank": "Trường này không được để trống.",
    "invalid": "Giá trị không hợp lệ: cần một chuỗi ký tự.",
    "max_length": "Tối đa {max_length} ký tự.",
    "min_length": "Tối thiểu {min_length} ký tự.",
}


class NormalisedField(serializers.CharField):
    """Normalises string input before DRF's blank, length and other checks run, so an
    invisible-only value is "blank" and the length counted is the stored one."""

    default_error_messages = CHAR_MESSAGES

    def normalise(self, value: str) -> str:
        # Single-line text unless a subclass applies a stricter rule (ID numbers, phones).
        return text.clean_text(value)

    def run_validation(self, data: Any = empty) -> Any:
        if isinstance(data, str):
            cap = text.input_cap(self.max_length)
            if cap is not None and len(data) > cap:
                self.fail("max_length", max_length=self.max_length)
            try:
                data = self.normalise(data)
            except text.NotNormalisable as exc:
                raise serializers.ValidationError(str(exc), code="invalid") from None
        return super().run_validation(data)


class TextField(NormalisedField):
    """Names, addresses, subjects; reasons and notes with multiline=True."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return text.clean_text(value, multiline=self.multiline)


def _id_shape(value: str) -> None:
    if value and not text.is_id_number(value):
        raise serializers.ValidationError(text.ID_NUMBER_SHAPE_MESSAGE, code="invalid")


class IdNumberField(NormalisedField):
    """ASCII ID number (core.text.id_number); `shape=True` also requires 12 or 9 digits."""

    def __init__(self, *, shape: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        if shape:
            self.validators.append(_id_shape)

    def normalise(self, value: str) -> str:
        return text.id_number(value)


class PhoneField(NormalisedField):
    """ASCII phone number, "+" allowed in front (core.text.phone)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return text.phone(value)
