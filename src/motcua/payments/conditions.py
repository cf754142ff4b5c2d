"""Conditions on fee rows, as JSON data an administrator edits (never code, never eval).

A condition is one of:
  {}                                   always applies
  {"field": "channel", "op": "eq", "value": "online"}
  {"all": [<condition>, ...]}  {"any": [<condition>, ...]}  {"not": <condition>}
Operators: eq, ne, in, not_in, gt, gte, lt, lte, exists. `field` is a dotted path into the
facts of the dossier (see motcua.payments.fees.facts), e.g. "return_channel" or "form.so_tang".
"""

from __future__ import annotations

from typing import Any

OPERATORS = {"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists"}
MAX_DEPTH = 8  # an administrator's condition, not a program


class ConditionError(ValueError):
    """The condition is not well formed; the message is Vietnamese, for the admin form."""


def check(condition: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ConditionError("Điều kiện lồng nhau quá sâu.")
    if condition in (None, {}):
        return
    if not isinstance(condition, dict) or len(condition) == 0:
        raise ConditionError("Điều kiện phải là một đối tượng JSON.")
    if "all" in condition or "any" in condition:
        key = "all" if "all" in condition else "any"
        parts = condition[key]
        if set(condition) != {key} or not isinstance(parts, list) or not parts:
            raise ConditionError(f"“{key}” cần một danh sách điều kiện không rỗng.")
        for part in parts:
            check(part, depth + 1)
        return
    if "not" in condition:
        if set(condition) != {"not"}:
            raise ConditionError("“not” đứng một mình trong điều kiện.")
        check(condition["not"], depth + 1)
        return
    if set(condition) - {"field", "op", "value"} or not isinstance(condition.get("field"), str):
        raise ConditionError("Điều kiện đơn cần “field”, “op” và “value”.")
    op = condition.get("op", "eq")
    if op not in OPERATORS:
        raise ConditionError(f"Phép so sánh “{op}” không được hỗ trợ.")
    if op in ("in", "not_in") and not isinstance(condition.get("value"), list):
        raise ConditionError(f"“{op}” cần một danh sách giá trị.")
    if op in ("gt", "gte", "lt", "lte") and not isinstance(condition.get("value"), int | float):
        raise ConditionError(f"“{op}” cần một giá trị số.")


_MISSING = object()


def _lookup(facts: dict[str, Any], path: str) -> Any:
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _compare(op: str, value: Any, expected: Any) -> bool:
    if op == "exists":
        return (value is not _MISSING) == bool(expected if expected is not None else True)
    if value is _MISSING:
        return op in ("ne", "not_in")
    if op == "eq":
        return value == expected
    if op == "ne":
        return value != expected
    if op == "in":
        return value in expected
    if op == "not_in":
        return value not in expected
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False  # a number compared with text never matches
    return {
        "gt": value > expected,
        "gte": value >= expected,
        "lt": value < expected,
        "lte": value <= expected,
    }[op]


def matches(condition: Any, facts: dict[str, Any]) -> bool:
    """Whether the condition holds for these facts. A malformed condition raises
    ConditionError (the admin form refuses to save one, see FeeItem.clean)."""
    check(condition)
    return _matches(condition, facts)


def _matches(condition: Any, facts: dict[str, Any]) -> bool:
    if condition in (None, {}):
        return True
    if "all" in condition:
        return all(_matches(c, facts) for c in condition["all"])
    if "any" in condition:
        return any(_matches(c, facts) for c in condition["any"])
    if "not" in condition:
        return not _matches(condition["not"], facts)
    return _compare(
        condition.get("op", "eq"), _lookup(facts, condition["field"]), condition.get("value")
    )
