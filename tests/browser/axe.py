"""Accessibility check for the browser tests: axe-core (installed from npm by `make assets`)
runs inside the page, and serious or critical violations fail the test with a readable list."""

from __future__ import annotations

from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def serious_violations(page) -> list[dict]:
    """Runs axe on the page as it stands and returns the serious and critical violations."""
    assert AXE_SCRIPT.exists(), "axe-core is missing: run `make assets`"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') stays
        # as strict as in production instead of being bypassed for the whole context.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def assert_accessible(page, where: str = "") -> None:
    """Fails with each blocking rule, its help text and the first offending elements."""
    violations = serious_violations(page)
    if violations:
        lines = [f"axe found {len(violations)} serious violation(s) on {where or page.url}:"]
        for violation in violations:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']} → {targets}"
            )
        raise AssertionError("\n".join(lines))
