"""Every page the walk visited: no WCAG 2.1 A/AA violation (axe-core), no CSP refusal.

Runs after the walk (file order); the walk records what axe found on each page it saw.
"""

from __future__ import annotations


def test_every_visited_page_passes_axe(audit):
    assert audit.pages, "the walk visited no page to check"
    failures = audit.failures()
    assert not failures, (
        f"accessibility violations or CSP refusals on {len(audit.pages)} pages checked:\n"
        + failures
    )
