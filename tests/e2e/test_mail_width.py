"""Every mail kind's HTML, in every language, fits a 360 px phone in Chromium: no horizontal
scrolling, however long its links (a 200-character link once made a mail 1,253 px wide), and
the column stays within 600 px on a desktop."""

from __future__ import annotations

import pytest

from kodaira_app.i18n import LANGUAGES
from kodaira_app.mailer.kinds import KINDS
from kodaira_app.mailer.render import MailRenderer
from tests.support.mail_samples import report_facts, sample_context

PHONE_360 = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Widest element edge and the page's scroll width, as the browser lays them out.
MEASURE = """() => {
  let right = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && getComputedStyle(el).display !== 'none') {
      right = Math.max(right, box.right);
    }
  }
  const column = document.querySelector('.mail').getBoundingClientRect().width;
  return {scroll: document.documentElement.scrollWidth, right: Math.ceil(right), column};
}"""


def _mails(app):
    """(name, html) of every kind in every language, the reports in each status."""
    renderer = MailRenderer()
    with app.app_context():
        out = []
        for locale in LANGUAGES:
            for kind in KINDS:
                out.append(
                    (
                        f"{kind}/{locale}",
                        renderer.render(kind, locale, sample_context(kind, locale)),
                    )
                )
            for status in ("none", "partial", "missing"):
                facts = report_facts(status, locale)
                mail = renderer.render("watch_report", locale, _context(facts))
                out.append((f"watch_report-{status}/{locale}", mail))
        return [(name, mail["body_html"]) for name, mail in out]


def _context(facts):
    from kodaira_app.reports.content import mail_context

    return lambda: mail_context(facts)


@pytest.fixture(scope="module")
def mail_page(browser):
    context = browser.new_context(viewport=PHONE_360, java_script_enabled=True)
    page = context.new_page()
    yield page
    context.close()


def test_no_mail_is_wider_than_a_360_px_phone(app, mail_page):
    too_wide = []
    mails = _mails(app)
    assert len(mails) >= len(KINDS) * len(LANGUAGES)
    for name, html in mails:
        mail_page.set_viewport_size(PHONE_360)
        mail_page.set_content(html)
        size = mail_page.evaluate(MEASURE)
        if size["scroll"] > PHONE_360["width"] or size["right"] > PHONE_360["width"]:
            too_wide.append((name, size))
    assert too_wide == []


def test_the_column_stays_within_600_px_on_a_desktop(app, mail_page):
    for name, html in _mails(app)[: len(KINDS)]:
        mail_page.set_viewport_size(DESKTOP)
        mail_page.set_content(html)
        assert mail_page.evaluate(MEASURE)["column"] <= 600, name
