"""Vietnamese alphabetical order (motcua.core.collation)."""

import random

from motcua.core.collation import sort_key, sorted_choices, sorted_vi


def test_letters_with_marks_follow_their_base_letter():
    # The alphabet: a ă â b c d đ e ê ... o ô ơ ... u ư ...
    words = ["Ưu", "Uy", "ơn", "ôn", "on", "Ê", "Em", "Đa", "Dừng", "Ấp", "Ăn", "An"]
    expected = ["An", "Ăn", "Ấp", "Dừng", "Đa", "Em", "Ê", "on", "ôn", "ơn", "Uy", "Ưu"]
    assert sorted_vi(words) == expected


def test_issue_example_cap_before_cham():
    # Code-point order puts "Chấm" first because ấ (U+1EA5) sorts after h.
    names = ["Chấm dứt hoạt động", "Cấp giấy phép xây dựng", "Đăng ký khai sinh", "Xác nhận"]
    assert sorted(names) != sorted_vi(names)
    assert sorted_vi(names) == [
        "Cấp giấy phép xây dựng",
        "Chấm dứt hoạt động",
        "Đăng ký khai sinh",
        "Xác nhận",
    ]


def test_tones_order_after_letters_syllable_by_syllable():
    # Dictionary order: ngang, huyền, hỏi, ngã, sắc, nặng; a syllable with more letters
    # comes after every tone of the shorter one; compounds follow their first syllable.
    expected = ["ma", "ma chay", "mà", "mả", "mã", "má", "mạ", "mác", "mai"]
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert sorted_vi(shuffled) == expected


def test_case_and_composition_do_not_matter():
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Đăng ký")
    assert sort_key(decomposed) == sort_key("đăng ký") == sort_key("ĐĂNG KÝ")
    assert sort_key("Cấp  giấy, phép") == sort_key("cấp giấy phép")


def test_key_is_digits_only_so_any_database_collation_keeps_the_order():
    key = sort_key("Giấy chứng nhận quyền sử dụng đất – GCN QSDĐ (Ωmega)")
    assert key.isdigit()
    assert sort_key("") == sort_key(None) == ""


def test_digits_before_letters_and_ties_broken_by_text():
    assert sorted_vi(["b", "2", "a", "10"]) == ["10", "2", "a", "b"]
    # Same key (case only): the original text breaks the tie, so the order is total.
    assert sorted_vi(["an", "An"]) == ["An", "an"]


def test_sorted_choices_sorts_by_label():
    choices = [("x", "Xây dựng"), ("d", "Đất đai"), ("c", "Chứng thực"), ("h", "Hộ tịch")]
    assert [v for v, _ in sorted_choices(choices)] == ["c", "d", "h", "x"]
