"""The one renderer of mails: subject, text and HTML of any kind, in the reader's language.

Templates are fetched once per renderer and rendered directly, and a batch switches the
language once per language rather than once per mail, so that a batch of a hundred report
mails costs little more than the mails themselves. Keep one renderer per batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from flask import current_app

from kodaira_app.babel_cache import force_locale
from kodaira_app.i18n import html_lang
from kodaira_app.links import absolute_url, external_url, stop_url, unsubscribe_headers
from kodaira_app.mailer.kinds import mail_kind

# A context, or a function giving it: called under the mail's language (for contexts
# that format numbers and dates in it).
Context = dict | Callable[[], dict]
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")


class MailRenderer:
    def __init__(self) -> None:
        self._templates: dict[str, tuple] = {}

    def _get(self, template: str) -> tuple:
        if template not in self._templates:
            env = current_app.jinja_env
            self._templates[template] = tuple(
                env.get_template(f"mail/{template}.{part}")
                for part in ("subject.txt", "txt", "html")
            )
        return self._templates[template]

    def render(self, kind: str, locale: str, context: Context) -> dict:
        """{subject, body_text, body_html, headers} of one mail."""
        return self.render_many([(kind, locale, context)])[0]

    def render_many(self, mails: Sequence[tuple[str, str, Context]]) -> list[dict]:
        """Render (kind, locale, context) triples, in their order."""
        out: list[dict | None] = [None] * len(mails)
        by_locale: dict[str, list[int]] = {}
        for i, (_, locale, _) in enumerate(mails):
            by_locale.setdefault(locale, []).append(i)
        faq_url = external_url("main.faq")  # in the footer of every mail
        for locale, positions in by_locale.items():
            base = {
                "base_url": absolute_url(),
                "faq_url": faq_url,
                "locale": locale,
                "html_lang": html_lang(locale),
            }
            with force_locale(locale):
                for i in positions:
                    kind, _, context = mails[i]
                    values = context() if callable(context) else context
                    out[i] = self._render(kind, {**base, **values})
        return out

    def _render(self, kind: str, context: dict) -> dict:
        spec = mail_kind(kind)
        headers = {}
        if spec.stop_link:
            context["stop_url"] = stop_url(context["stop_token"])
            headers = unsubscribe_headers(context["stop_token"])
        subject, text, html = self._get(spec.template)
        return {
            # A subject is one line: a newline there could start a header.
            "subject": " ".join(subject.render(context).split()),
            # Parts a mail leaves out (no contact set, no usual use) leave no gap of blank lines.
            "body_text": _BLANK_LINES.sub("\n\n", text.render(context)).strip() + "\n",
            "body_html": html.render(context),
            "headers": headers,
        }
