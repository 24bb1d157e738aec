"""Reading pages as a person sees them (BeautifulSoup)."""

from __future__ import annotations

from bs4 import BeautifulSoup


def page(response, status: int | None = 200) -> BeautifulSoup:
    """The page as a reader sees it; `status` is the answer expected (None: any)."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.location)
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def get_page(client, url: str) -> BeautifulSoup:
    """GET `url` and read it; it must answer 200."""
    return page(client.get(url))


def text(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split()) if node else ""


def field_error(soup: BeautifulSoup, field_id: str) -> str:
    """The error shown beside the field (the macros give it the id <field>-error)."""
    return text(soup.find(id=f"{field_id}-error"))


def field_errors(soup: BeautifulSoup) -> dict[str, str]:
    """{field id: error text} for every field with an error on the page."""
    return {
        node["id"].removesuffix("-error"): text(node) for node in soup.select(".field-errors[id]")
    }


def form_errors(soup: BeautifulSoup) -> str:
    return text(soup.select_one(".form-errors"))


def flashes(soup: BeautifulSoup) -> list[str]:
    return [text(node) for node in soup.select(".flash")]


def label_for(soup: BeautifulSoup, field_id: str) -> str:
    """The label as read: 'お客様番号*' (the required mark follows the text directly)."""
    return soup.find("label", attrs={"for": field_id}).get_text("", strip=True)


def csrf_token(soup: BeautifulSoup) -> str:
    return soup.find("input", attrs={"name": "csrf_token"})["value"]
