"""見守り先の呼び名: the registrant names the watched home; the holder's name by default."""

from sqlalchemy import select

from kodaira_app.extensions import db
from kodaira_app.models import WatchRegistration
from tests.support.pages import page
from tests.support.watch import error_beside, input_data


def _home_on(soup) -> str:
    return soup.select_one("dd.watch-home-name").get_text(strip=True)


def test_home_name_starts_as_the_holders_name_and_the_typed_one_is_kept(client, contract):
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    field = soup.find("input", id="home_name")
    assert field["value"] == "小平 花子"
    assert soup.find("label", attrs={"for": "home_name"}).get_text(strip=True) == "見守り先の呼び名"
    help_text = soup.find(id="home_name-help").get_text(strip=True)
    assert "メールの件名と1行目に表示されます" in help_text
    data = {**input_data(), "home_name": "  鬼鹿の 実家 "}
    client.post(f"/watch/{contract.id}/edit", data=data)
    assert _home_on(page(client.get(f"/watch/{contract.id}/confirm"))) == "鬼鹿の 実家"
    client.post(f"/watch/{contract.id}/confirm")
    assert _home_on(page(client.get(f"/watch/{contract.id}/done"))) == "鬼鹿の 実家"
    registration = db.session.scalar(select(WatchRegistration))
    assert registration.home_name == "鬼鹿の 実家"
    # A change starts from the saved name; 戻る from 確認 from what was typed.
    assert page(client.get(f"/watch/{contract.id}/edit")).find(id="home_name")["value"] == (
        "鬼鹿の 実家"
    )
    client.post(f"/watch/{contract.id}/edit", data={**input_data(), "home_name": "札幌の家"})
    assert page(client.get(f"/watch/{contract.id}/edit")).find(id="home_name")["value"] == (
        "札幌の家"
    )


def test_blank_or_the_holders_name_follows_the_holder(client, contract):
    for typed in ("", "小平 花子"):
        client.post(f"/watch/{contract.id}/edit", data={**input_data(), "home_name": typed})
        assert _home_on(page(client.get(f"/watch/{contract.id}/confirm"))) == "小平 花子"
        client.post(f"/watch/{contract.id}/confirm")
        registration = db.session.scalar(select(WatchRegistration))
        assert registration.home_name is None
        assert registration.home_label(contract.name) == "小平 花子"


def test_a_home_name_too_long_is_refused_beside_its_field(client, contract):
    data = {**input_data(), "home_name": "あ" * 31}
    soup = page(client.post(f"/watch/{contract.id}/edit", data=data))
    assert error_beside(soup, "home_name") == ["見守り先の呼び名は30文字以内で入力してください"]
    assert db.session.scalar(select(WatchRegistration)) is None
    data = {**input_data(), "home_name": "鬼鹿\u202eの実家"}
    soup = page(client.post(f"/watch/{contract.id}/edit", data=data))
    assert error_beside(soup, "home_name")
