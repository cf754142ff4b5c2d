"""Form pieces shared by the public portal and the desk (which may not import each other)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.translation import gettext_lazy as _

from motcua.core import text
from motcua.core.storage import ALLOWED_TYPES

ACCEPT = ",".join(sorted(ALLOWED_TYPES))  # for <input accept>
ACCEPT_TEXT = ", ".join(sorted({ext.lstrip(".") for ext in ALLOWED_TYPES}))  # for people
# Explicit Vietnamese messages: a browser that asks for English (Accept-Language) must
# not turn half of the page into English.
REQUIRED = {"required": _("Vui lòng nhập thông tin này."), "invalid": _("Giá trị không hợp lệ.")}
FILE_MESSAGES = {
    "required": _("Vui lòng chọn tệp."),
    "invalid": _("Tệp gửi lên không hợp lệ."),
    "empty": _("Tệp rỗng."),
    "missing": _("Không nhận được tệp."),
}


def max_size_text() -> str:
    return f"{settings.MOTCUA_MAX_ATTACHMENT_BYTES / 1048576:.0f} MB"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("error_messages", FILE_MESSAGES)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if not data:
            # An empty list slips past FileField's own "required" check.
            return [single(None, initial)] if self.required else []
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


# --- normalised text fields (the rules live in core.text) -------------------------------


class NormalisedField(forms.CharField):
    """A CharField whose value goes through `normalise` (a core.text function) before
    the required and length checks, so that what is checked is what is stored."""

    def __init__(self, **kwargs):
        kwargs["error_messages"] = {**REQUIRED, **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        # Single-line text unless a subclass applies a stricter rule (ID numbers, phones).
        return text.clean_text(value)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        cap = text.input_cap(self.max_length)
        if cap is not None and len(value) > cap:
            raise ValidationError(
                _("Tối đa %(max)d ký tự.") % {"max": self.max_length}, code="max_length"
            )
        try:
            value = self.normalise(value)
        except text.NotNormalisable as exc:
            raise ValidationError(str(exc), code="invalid") from None
        return value or self.empty_value


class TextField(NormalisedField):
    """Names, addresses, subjects (single line) and reasons, notes (multiline=True):
    NFC, no control or invisible characters; an invisible-only value counts as empty."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        if multiline:
            kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return text.clean_text(value, multiline=self.multiline)


class IdNumberField(NormalisedField):
    """An ID number as stored and looked up: ASCII digits (see core.text.id_number).
    `shape=True` also requires today's shapes (12 digits, or 9 for the old CMND)."""

    def __init__(self, *, shape: bool = True, **kwargs):
        self.shape = shape
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return text.id_number(value)

    def validate(self, value):
        super().validate(value)
        if value and self.shape and not text.is_id_number(value):
            raise ValidationError(text.ID_NUMBER_SHAPE_MESSAGE, code="invalid")


class PhoneField(NormalisedField):
    """A phone number as ASCII digits, "+" allowed in front (see core.text.phone)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "tel"}))
        super().__init__(**kwargs)

    def normalise(self, value: str) -> str:
        return text.phone(value)


# --- widget rendering ---------------------------------------------------------------------
# Django renders every widget through its template engine: a <select> of 40 options is 40
# template includes, each with its attrs include (~0.1 ms each; a third of the desk queue
# page's CPU). The common widgets' templates are simple enough to write out in Python, byte
# for byte the same HTML (tests/core/test_form_renderer.py compares both); anything else
# (the admin's widgets, custom templates) still goes through the templates.

_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "search",
        "email",
        "url",
        "tel",
        "number",
        "password",
        "hidden",
        "checkbox",
        "date",
        "datetime",
        "time",
        "color",
    )
)
_SELECT_TEMPLATE = "django/forms/widgets/select.html"
_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs_html(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False is left out, True is a bare name.
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(_as_s(value))}"')
    return "".join(parts)


def _as_s(value):
    # The |stringformat:'s' filter: "%s" % value, still safe when the value was.
    return value if isinstance(value, SafeData) else "%s" % (value,)  # noqa: UP031


def _text(value) -> str:
    # {{ value }}: numbers and dates localised as the template would, then escaped.
    return conditional_escape(value if isinstance(value, str | Promise) else localize(value))


def _input_html(widget: dict) -> str:
    value = widget["value"]
    value_html = "" if value is None else f' value="{conditional_escape(_as_s(value))}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{value_html}{_attrs_html(widget["attrs"])}>'
    )


def _select_html(widget: dict) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            # Each option's include keeps its template's final newline; the renderer
            # strips only the whole output's.
            if option["template_name"] != _OPTION_TEMPLATE:
                return None  # a custom option template: let the engine render it
            parts.append(
                f'\n  <option value="{conditional_escape(_as_s(option["value"]))}"'
                f"{_attrs_html(option['attrs'])}>{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class QuickRenderer(DjangoTemplates):
    """FORM_RENDERER: Django's, with inputs and selects written out in Python."""

    def render(self, template_name, context, request=None):
        if template_name in _INPUT_TEMPLATES:
            return _input_html(context["widget"])
        if template_name == _SELECT_TEMPLATE:
            html = _select_html(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)
