"""Vietnamese alphabetical order (thứ tự chữ cái tiếng Việt) for every sorted list.

Code-point order puts "Chấm dứt" before "Cấp" (ấ sorts after h) and "Đăng ký" after "Xác
nhận"; folding the diacritics away puts "Đ" among the "D"s. Vietnamese dictionaries order
syllable by syllable: first the letters, with ă and â after a, đ after d, ê after e, ô and ơ
after o, ư after u; then, for syllables with the same letters, the tone: ngang, huyền, hỏi,
ngã, sắc, nặng (ma, mà, mả, mã, má, mạ).

`sort_key` turns a text into a string of digits that sorts in that order by plain string
comparison, in Python and in any database collation (digit strings compare the same under
"C", ICU and glibc locales), so it can be stored in an indexed column and ordered by.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

# Digits first, then the Vietnamese alphabet; f, j, w, z (foreign words, codes) take
# their Latin places.
ALPHABET = "0123456789aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_CODES = {ch: f"{i + 10:02d}" for i, ch in enumerate(ALPHABET)}

# Tones as combining marks after NFD; the codes sit below every letter code, so a
# syllable's tone is compared only after all its letters ("ma" < "mác").
_TONE_CODES = {
    "\u0300": "02",  # huyền
    "\u0309": "03",  # hỏi
    "\u0303": "04",  # ngã
    "\u0301": "05",  # sắc
    "\u0323": "06",  # nặng
}
_NO_TONE = "01"
_WORD_SEPARATOR = "00"  # below tones and letters: "ma x" < "mac"

# Marks that make a letter of their own (a + breve = ă, ...), not a tone.
_LETTER_MARKS = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}


def _syllables(text: str) -> list[str]:
    """Words of the text, lower-cased; anything but letters and digits separates words."""
    words: list[str] = []
    current: list[str] = []
    for ch in text.lower():
        if ch.isalnum() or unicodedata.category(ch) == "Mn":
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _syllable_key(word: str) -> str:
    letters: list[str] = []
    tone = _NO_TONE
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONE_CODES:
            tone = _TONE_CODES[ch]
            continue
        if unicodedata.category(ch) == "Mn":
            if letters and (letters[-1], ch) in _LETTER_MARKS:
                letters[-1] = _LETTER_MARKS[(letters[-1], ch)]
            continue  # other accents (foreign names): ignored
        letters.append(ch)
    codes = []
    for letter in letters:
        code = _LETTER_CODES.get(letter)
        if code is None:
            # Letters outside the alphabet (other scripts) after z, by code point.
            code = f"99{ord(letter):07d}"
        codes.append(code)
    return "".join(codes) + tone


def sort_key(text: str | None) -> str:
    """A digit string whose plain order is Vietnamese alphabetical order of `text`."""
    return _WORD_SEPARATOR.join(_syllable_key(w) for w in _syllables(text or ""))


def sorted_vi(items: Iterable[T], key: Callable[[T], str] | None = None) -> list[T]:
    """`items` in Vietnamese order of `key(item)` (of the item itself when no key); the
    original text breaks ties, so the order is total and stable across runs."""
    get = key or (lambda item: item)  # type: ignore[assignment,return-value]
    return sorted(items, key=lambda item: (sort_key(get(item)), get(item)))


def sorted_choices(choices: Iterable[tuple[T, str]]) -> list[tuple[T, str]]:
    """(value, label) pairs of a select box in Vietnamese order of their labels."""
    return sorted_vi(choices, key=lambda pair: str(pair[1]))
