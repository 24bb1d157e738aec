"""Input: names without control or bidi characters, passwords not among the most common."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from kodaira_app.auth import tokens
from kodaira_app.extensions import db
from kodaira_app.models import Account, ContractLink, WatchRecipient
from kodaira_app.models.billing import DirectDebitApplication
from kodaira_app.validators import COMMON_PASSWORDS_FILE, common_passwords, hidden_characters
from tests.support.accounts import DEFAULT_PASSWORD, make_account
from tests.support.billing import signed_in_contract
from tests.support.factories import make_customer
from tests.support.pages import field_error, page
from tests.support.watch import error_beside, input_data, own_contract

NAME_MESSAGE = (
    "使えない文字（制御文字や、文字の向きを変える記号など）が含まれています。"
    "文字だけで入力してください。"
)
NAME_MESSAGE_EN = "The name contains characters that cannot be used"
PASSWORD_MESSAGE = (
    "このパスワードはよく使われていて推測されやすいため、使えません。"
    "ほかのパスワードを入力してください。"
)
# Right-to-left override: 「息子\u202eusb.exe」 would show as 息子exe.bsu.
RLO = "\u202e"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- Name fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,refused",
    [
        ("小平 花子", []),
        ("小平\u3000花子", []),  # the ideographic space is an ordinary space
        ("Nguyễn Văn A", []),
        ("息子👨‍👩‍👧", ["U+200D"]),  # zero-width joiner (Cf)
        (f"abc{RLO}gpj.exe", ["U+202E"]),
        ("a\u2066b\u2069", ["U+2066", "U+2069"]),
        ("a\u200bb", ["U+200B"]),
        ("a\tb\nc", ["U+0009", "U+000A"]),
        ("a\x00b\x7f", ["U+0000", "U+007F"]),
        ("a\u2028b", ["U+2028"]),
        ("a\ue000b", ["U+E000"]),  # private use
        ("\ufeffname", ["U+FEFF"]),
    ],
)
def test_name_check_refuses_control_format_and_private_characters(text, refused):
    assert hidden_characters(text) == refused


@pytest.fixture
def account(auth):
    return auth.signed_in()


def test_name_check_watch_recipient_name_with_bidi_control_is_refused(client, account):
    contract = own_contract(account)
    data = input_data(recipients=((f"息子{RLO}usb.exe", "son@example.com"),))
    response = client.post(f"/watch/{contract.id}/edit", data=data)
    assert response.status_code == 200
    assert error_beside(page(response), "recipients-0-name") == [NAME_MESSAGE]
    assert client.get(f"/watch/{contract.id}/confirm").headers["Location"].endswith("/edit")
    assert count(WatchRecipient) == 0


def test_name_check_message_is_in_the_users_language(client, account):
    client.set_cookie("lang", "en")
    contract = own_contract(account)
    data = input_data(recipients=((f"son{RLO}", "son@example.com"),))
    soup = page(client.post(f"/watch/{contract.id}/edit", data=data))
    [message] = error_beside(soup, "recipients-0-name")
    assert message.startswith(NAME_MESSAGE_EN)


def test_name_check_contract_add_kana_with_bidi_control_is_refused(client, account):
    make_customer(customer_number="00000008002", name_kana="コダイラ タロウ")
    data = {"customer_number": "0-0000008002", "name_kana": f"コダイラ{RLO} タロウ"}
    soup = page(client.post("/contracts/add", data={**data, "relation": "self"}))
    assert field_error(soup, "name_kana") == NAME_MESSAGE
    assert count(ContractLink) == 0


@pytest.mark.parametrize("field", ["bank_name", "branch_name", "account_holder_kana"])
def test_name_check_direct_debit_names_with_hidden_characters_are_refused(
    app, auth, clock, client, field
):
    contract = signed_in_contract(auth, clock, datetime(2026, 3, 10, 3, tzinfo=UTC))
    data = {
        "contract": str(contract.id),
        "bank_name": "北海道銀行",
        "branch_name": "留萌支店",
        "account_type": "ordinary",
        "account_number": "1234567",
        "account_holder_kana": "コダイラ タロウ",
        "request_key": "k" * 32,
    }
    data[field] = data[field][:2] + "\u200b" + data[field][2:]
    soup = page(client.post("/pay/direct-debit", data=data))
    assert [li.get_text() for li in soup.find(id=f"{field}-error").find_all("li")] == [NAME_MESSAGE]
    assert count(DirectDebitApplication) == 0


# --- Common passwords ----------------------------------------------------------------


def test_common_passwords_list_ships_the_10000_most_common():
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(common_passwords()) == 10_000
    assert lines[:4] == ["123456", "123456789", "qwerty", "password"]


@pytest.mark.parametrize("password", ["password1", "PASSWORD1", "iloveyou1", "qwertyuiop"])
def test_common_password_refused_at_signup(client, password):
    response = client.post(
        "/signup",
        data={
            "email": "new@example.com",
            "password": password,
            "password_confirm": password,
            "agree": "y",
        },
    )
    assert response.status_code == 200
    assert field_error(page(response), "password") == PASSWORD_MESSAGE
    assert count(Account) == 0


def test_common_password_an_uncommon_one_is_taken_at_signup(client, run_jobs):
    password = "mizu-no-himitsu-42"
    response = client.post(
        "/signup",
        data={
            "email": "new@example.com",
            "password": password,
            "password_confirm": password,
            "agree": "y",
        },
    )
    assert response.status_code == 302
    run_jobs()  # the sign-up is written by its job (equal time for known and new addresses)
    assert count(Account) == 1


def test_common_password_refused_at_reset(app, client):
    account = make_account()
    with app.test_request_context():
        token = tokens.make_token(account, tokens.RESET_SALT)
    data = {"password": "1q2w3e4r5t", "password_confirm": "1q2w3e4r5t"}
    response = client.post(f"/reset/{token}", data=data)
    assert field_error(page(response), "password") == PASSWORD_MESSAGE
    db.session.refresh(account)
    assert check_password_hash(account.password_hash, DEFAULT_PASSWORD)


def test_common_password_refused_at_password_change(client, account):
    response = client.post(
        "/procedures/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "password": "sunshine1",
            "password_confirm": "sunshine1",
        },
    )
    assert field_error(page(response), "password") == PASSWORD_MESSAGE
    db.session.refresh(account)
    assert check_password_hash(account.password_hash, DEFAULT_PASSWORD)


def test_common_password_message_is_in_the_users_language(client):
    client.set_cookie("lang", "vi")
    data = {"email": "new@example.com", "password": "password1", "password_confirm": "password1"}
    message = field_error(page(client.post("/signup", data=data)), "password")
    assert message.startswith("Mật khẩu này")


# --- Static checks -------------------------------------------------------------------


def test_static_check_bandit_finds_nothing_and_every_nosec_says_why():
    import json
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bandit = Path(sys.executable).with_name("bandit")
    if not bandit.exists():
        pytest.skip("bandit is not installed (pip install -e '.[dev]')")
    run = subprocess.run(
        [bandit, "-q", "-f", "json", "-c", "pyproject.toml", "-r", "kodaira_app"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(run.stdout)
    assert report["results"] == [], [
        f"{r['filename']}:{r['line_number']} {r['test_id']}" for r in report["results"]
    ]
    assert run.returncode == 0
    for path in (root / "kodaira_app").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "# nosec" in line:
                # `# nosec B105  # the reason`, or the reason on the line above.
                marked = re.search(r"# nosec (B\d+)(  # \S.*)?$", line)
                assert marked, f"{path}:{number}: a nosec names its test"
                above = path.read_text(encoding="utf-8").splitlines()[number - 2].strip()
                assert marked.group(2) or above.startswith("#"), f"{path}:{number}: say why"
