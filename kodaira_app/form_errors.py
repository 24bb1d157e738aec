"""The errors of a refused form as one list for its top (templates/_error_summary.html):
each field's messages with the field's id, so that every line links to its field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from wtforms import Field, FieldList, FormField
from wtforms.fields import HiddenField, SubmitField


@dataclass(frozen=True)
class ErrorLink:
    """One line of the summary: the messages of one field (`target`, its id), or of the
    whole form (no target)."""

    messages: tuple[str, ...]
    target: str | None = None
    label: str | None = None


def _fields(container) -> Iterator[Field]:
    """The fields a person fills in, in the form's order, rows of a FieldList included."""
    for field in container:
        if isinstance(field, FieldList):
            for entry in field:
                yield from _fields([entry])
        elif isinstance(field, FormField):
            yield from _fields(field.form)
        elif not isinstance(field, SubmitField | HiddenField):  # the CSRF token is hidden
            yield field


def error_links(form, labels: Mapping[str, str] | None = None) -> list[ErrorLink]:
    """Each field of `form` with errors, named by `labels` (field id → words) or its own
    label, then the form's own errors (a refused CSRF token among them)."""
    labels = labels or {}
    links = [
        ErrorLink(
            tuple(str(message) for message in field.errors),
            field.id,
            str(labels.get(field.id) or field.label.text),
        )
        for field in _fields(form)
        if field.errors
    ]
    hidden = [m for field in form if isinstance(field, HiddenField) for m in field.errors]
    links += [ErrorLink((str(message),)) for message in [*hidden, *form.form_errors]]
    return links
