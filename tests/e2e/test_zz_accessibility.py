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


def test_the_agreement_documents_were_among_the_pages_checked(audit):
    """利用規約 and 個人情報の取扱い (read before sign-up), and sign-up refused without the box."""
    paths = {report.url.split("?")[0].rsplit("/", 1)[-1] for report in audit.pages}
    assert {"terms", "privacy", "signup"} <= paths
