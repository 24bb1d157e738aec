"""Helpers for the 見守り tests: pages, the input form, a saved registration."""

from __future__ import annotations

import itertools

from bs4 import BeautifulSoup

from kodaira_app.extensions import db
from kodaira_app.watch.registrations import Draft, save_registration
from kodaira_app.watch.windows import Recipient
from tests.support.factories import link, make_customer


def anonymous(app, method: str, path: str, **kwargs):
    """A request from someone not logged in (a recipient), on a client of its own."""
    return getattr(app.test_client(), method)(path, **kwargs)


def error_beside(soup: BeautifulSoup, field_id: str) -> list[str]:
    """The error messages in the same .field as the label of `field_id`."""
    label = soup.find("label", attrs={"for": field_id})
    assert label is not None, f"no label for {field_id}"
    container = label.find_parent(class_="field")
    return [li.get_text(strip=True) for li in container.select(".field-errors li")]


def flashes(soup: BeautifulSoup) -> list[str]:
    return [p.get_text(strip=True) for p in soup.select(".flash")]


def input_data(hours=("8", ""), recipients=(("息子", "example@example.com"),), locale="ja"):
    data = {"hour_1": hours[0], "hour_2": hours[1]}
    for index in range(5):
        name, email = recipients[index] if index < len(recipients) else ("", "")
        data[f"recipients-{index}-name"] = name
        data[f"recipients-{index}-email"] = email
        data[f"recipients-{index}-locale"] = locale
    return data


_numbers = itertools.count(1)


def own_contract(account, smart_meter=True, relation="self", customer_number=None, **kwargs):
    """A contract linked to `account`; numbers 3-… never meet the factory's or the guide's."""
    number = customer_number or f"3{next(_numbers):010d}"
    customer = make_customer(customer_number=number, smart_meter=smart_meter, **kwargs)
    link(account, customer, relation)
    return customer


def register(account, customer, hours=(8,), recipients=(("息子", "son@example.com"),)):
    """A saved registration, as 登録 would leave it (notices queued)."""
    draft = Draft(
        customer_id=customer.id,
        hours=list(hours),
        recipients=[Recipient(name, email) for name, email in recipients],
    )
    registration = save_registration(account, customer, draft, 6)
    db.session.refresh(registration)
    return registration
