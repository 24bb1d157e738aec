"""アプリへの登録 asks for the agreement to 利用規約 and 個人情報の取扱い and records which
editions were agreed, and when, with the account."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from kodaira_app.auth.agreement import PRIVACY, TERMS
from kodaira_app.extensions import db
from kodaira_app.models import Account
from tests.auth.test_auth import account
from tests.support.pages import field_error, page, text

AGREE = "利用規約と個人情報の取扱いに同意します"
REFUSED = (
    "登録するには、利用規約と個人情報の取扱いをお読みのうえ、"
    "「利用規約と個人情報の取扱いに同意します」にチェックしてください。"
)
T0 = datetime(2026, 12, 4, 1, 15, tzinfo=UTC)


def form(email="hanako@example.com", **extra):
    password = "mizu-no-himitsu"
    return {"email": email, "password": password, "password_confirm": password, **extra}


def test_the_form_links_both_documents_in_a_new_tab_beside_one_required_box(client):
    soup = page(client.get("/signup"))
    box = soup.find("input", attrs={"name": "agree"})
    assert box["type"] == "checkbox" and not box.has_attr("checked")
    assert text(box.find_parent("label")) == AGREE
    fieldset = box.find_parent("fieldset")
    assert fieldset.legend.get_text("", strip=True) == "利用規約と個人情報の取扱い*"
    links = {text(a): (a["href"], a["target"]) for a in fieldset.find_all("a")}
    assert links == {"利用規約": ("/terms", "_blank"), "個人情報の取扱い": ("/privacy", "_blank")}
    assert "新しいタブで開きます" in text(fieldset)


def test_without_the_box_sign_up_is_refused_and_nothing_is_made(client, smtp, run_jobs):
    response = client.post("/signup", data=form())
    soup = page(response)
    summary = soup.find(id="error-summary")
    assert summary.has_attr("autofocus")
    [line] = summary.find_all("li")
    assert line.a["href"] == "#agree"
    assert text(line) == f"{AGREE} {REFUSED}"
    assert field_error(soup, "agree") == REFUSED
    # What was typed stays (the address; passwords are never sent back).
    assert soup.find(id="email")["value"] == "hanako@example.com"
    run_jobs()
    assert db.session.scalar(select(func.count(Account.id))) == 0
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("en", "To sign up, please read the Terms of Use and the Privacy Policy"),
        ("vi", "Để đăng ký, vui lòng đọc Điều khoản sử dụng"),
        ("ko", "등록하려면 이용약관과 개인정보 처리방침을 읽으신 후"),
    ],
)
def test_the_refusal_is_in_the_readers_language(client, locale, message):
    client.set_cookie("lang", locale)
    soup = page(client.post("/signup", data=form()))
    assert field_error(soup, "agree").startswith(message)


def test_with_the_box_the_account_records_the_editions_and_the_time(client, clock, smtp, run_jobs):
    clock.freeze(T0)
    response = client.post("/signup", data=form(agree="y"))
    assert response.headers["Location"] == "/mail-sent/signup"
    clock.freeze(datetime(2026, 12, 4, 1, 20, tzinfo=UTC))  # the job runs later
    run_jobs()
    made = account("hanako@example.com")
    assert (made.terms_version, made.privacy_version) == (TERMS.version, PRIVACY.version)
    assert made.agreed_at == T0
    assert len(smtp.messages) == 1


def test_signing_up_again_before_confirming_records_the_new_agreement(client, clock, run_jobs):
    clock.freeze(T0)
    client.post("/signup", data=form(agree="y"))
    run_jobs()
    later = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
    clock.freeze(later)
    client.post("/signup", data=form(agree="y"))
    run_jobs()
    assert account("hanako@example.com").agreed_at == later
