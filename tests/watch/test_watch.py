"""見守り会員情報変更: select → input → 確認 → 登録 → done, change and 解除 (the guide's steps)."""

import pytest
from sqlalchemy import func, select

from kodaira_app.extensions import db
from kodaira_app.models import WatchRecipient, WatchRegistration, WatchWindow
from tests.support.accounts import make_account
from tests.support.mailbox import text_body
from tests.support.pages import page
from tests.support.watch import error_beside, flashes, input_data, own_contract, register

HELP_LINES = [
    "見守り開始時刻から6時間の間で見守りを行います。",
    "見守り開始時刻は1時間単位で、1日につき最大2回指定することができます。",
    "指定が重複しない場合は、以下の2は未入力で結構です。",
]


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_procedures_menu_leads_to_the_watch_screen(client, account):
    # ① 各種お手続き ② 「見守り登録」ボタン → 「見守り会員情報変更」画面
    soup = page(client.get("/procedures"))
    assert soup.h1.get_text(strip=True) == "各種お手続き"
    button = soup.find("a", string="見守り登録")
    assert button["href"] == "/watch"
    soup = page(client.get(button["href"]))
    assert soup.h1.get_text(strip=True) == "見守り会員情報変更"


def test_select_lists_own_and_added_contracts_and_explains_no_meter(client, account):
    own = own_contract(account)
    parent = own_contract(account, relation="family")
    old = own_contract(account, smart_meter=False)
    soup = page(client.get("/watch"))
    radios = {r["value"]: r for r in soup.select("input[type=radio][name=contract]")}
    assert set(radios) == {str(own.id), str(parent.id), str(old.id)}
    assert not radios[str(own.id)].has_attr("disabled")
    assert not radios[str(parent.id)].has_attr("disabled")
    assert radios[str(old.id)].has_attr("disabled")
    reason = soup.find(id=radios[str(old.id)]["aria-describedby"])
    assert "水道スマートメーターが設置されていないため" in reason.get_text()
    # The first step's button says where it leads.
    assert soup.find("button", string="選んだ契約で見守りの登録に進む")


def test_select_then_登録_opens_the_input_screen(client, contract):
    response = client.post("/watch", data={"contract": contract.id})
    assert response.headers["Location"] == f"/watch/{contract.id}/edit"
    soup = page(client.get(response.headers["Location"]))
    assert soup.select_one(".customer-number").get_text(strip=True) == "0-0000008002"
    assert [p.get_text(strip=True) for p in soup.select(".help-lines p")] == HELP_LINES
    assert soup.find("label", attrs={"for": "hour_1"}).get_text(strip=True).startswith("1.")
    assert soup.find("label", attrs={"for": "hour_2"}).get_text(strip=True) == "2."
    labels = [o.get_text() for o in soup.select("#hour_1 option")][1:]
    assert labels == [f"{h:02d}:00" for h in range(24)]  # midnight once: 00:00
    assert len(labels) == len(set(labels))
    assert len(soup.select(".recipient-row")) == 1
    assert soup.find("label", attrs={"for": "recipients-0-name"}).get_text(strip=True) == "名前"
    assert [b.get_text(strip=True) for b in soup.select(".actions .button, .actions button")] == [
        "戻る",
        "確認",
    ]
    # no registration yet: nothing to cancel
    assert soup.find(string="現在の見守り設定を解除する") is None


def test_window_sentence_follows_the_setting(app, client, contract):
    app.config["WATCH_WINDOW_HOURS"] = 4
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    assert (
        soup.select(".help-lines p")[0].get_text()
        == "見守り開始時刻から4時間の間で見守りを行います。"
    )


def test_language_of_each_recipient_defaults_to_the_account_language(client, account, contract):
    account.locale = "en"
    db.session.commit()
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    selected = soup.select_one("#recipients-0-locale option[selected]")
    assert selected["value"] == "en"
    assert [o["value"] for o in soup.select("#recipients-0-locale option")] == [
        "ja",
        "en",
        "zh_Hans",
        "ko",
        "vi",
    ]


@pytest.mark.parametrize("choice", ["", "999999"])
def test_select_without_a_valid_contract_is_refused(client, contract, choice):
    soup = page(client.post("/watch", data={"contract": choice}))
    assert "契約を選択してください" in soup.select_one(".contract-choice .field-errors").get_text()


def test_select_of_a_contract_without_smart_meter_is_refused(client, account):
    old = own_contract(account, smart_meter=False)
    soup = page(client.post("/watch", data={"contract": old.id}))
    errors = soup.select_one(".contract-choice .field-errors").get_text()
    assert (
        "水道スマートメーターが設置されていない契約は見守りサービスをご利用いただけません" in errors
    )


def test_input_of_a_contract_without_smart_meter_is_refused(client, account):
    old = own_contract(account, smart_meter=False)
    response = client.post(f"/watch/{old.id}/edit", data=input_data())
    assert response.headers["Location"] == "/watch"
    soup = page(client.get("/watch"))
    assert any("ご利用いただけません" in text for text in flashes(soup))
    assert count(WatchRegistration) == 0


def test_another_accounts_contract_is_not_found(client, account):
    other = make_account("other@example.com")
    theirs = own_contract(other)
    for path in ("edit", "confirm", "end", "pause", "done"):
        assert client.get(f"/watch/{theirs.id}/{path}").status_code == 404, path
    assert client.post(f"/watch/{theirs.id}/edit", data=input_data()).status_code == 404
    assert client.post(f"/watch/{theirs.id}/confirm").status_code == 404
    assert count(WatchRegistration) == 0


def test_pattern_1_steps_register_and_mail_the_recipient(client, contract, smtp, run_jobs):
    # ④⑤ 開始時刻と通知先 → 確認
    response = client.post(f"/watch/{contract.id}/edit", data=input_data())
    assert response.headers["Location"] == f"/watch/{contract.id}/confirm"
    # ⑥ 確認画面 (laid out like the guide)
    soup = page(client.get(response.headers["Location"]))
    assert soup.h1.get_text(strip=True) == "見守り会員情報変更"
    assert soup.select_one(".customer-number").get_text(strip=True) == "0-0000008002"
    assert [d.get_text(strip=True) for d in soup.select(".watch-hour")] == ["1. 08:00"]
    assert [d.get_text(strip=True) for d in soup.select(".watch-recipient")] == [
        "息子 example@example.com"
    ]
    assert [b.get_text(strip=True) for b in soup.select(".actions .button, .actions button")] == [
        "戻る",
        "登録",
    ]
    assert count(WatchRegistration) == 0  # nothing saved before 登録
    # ⑦ 登録 → 完了
    response = client.post(f"/watch/{contract.id}/confirm")
    assert response.headers["Location"] == f"/watch/{contract.id}/done"
    soup = page(client.get(response.headers["Location"]))
    assert "見守り会員情報の登録が完了しました" in soup.get_text()
    registration = db.session.scalar(select(WatchRegistration))
    assert registration.account_id == contract.link.account_id
    [window] = registration.windows
    assert (window.position, window.start_hour, window.entered_hour, window.width_hours) == (
        1,
        8,
        8,
        6,
    )
    [recipient] = registration.recipients
    assert (recipient.name, recipient.email, recipient.locale) == (
        "息子",
        "example@example.com",
        "ja",
    )
    run_jobs()
    [mail] = smtp.to("example@example.com")
    assert mail["Subject"] == "【小平町水道アプリ】見守りメールの通知先に登録されました"
    body = text_body(mail)
    assert "小平 花子 さんが" in body  # 本人 registered: the holder's name
    assert "0-******8002" in body and "0000008002" not in body
    assert "08:00〜14:00 の使用量を 14:30 ごろお知らせします" in body
    assert f"http://localhost/stop/{recipient.stop_token}" in body
    assert mail["List-Unsubscribe"].strip() == f"<http://localhost/stop/{recipient.stop_token}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_pattern_2_with_24_for_midnight(client, account, smtp, run_jobs):
    parent = own_contract(account, relation="family")
    client.post("/watch", data={"contract": parent.id})
    client.post(f"/watch/{parent.id}/edit", data=input_data(hours=("6", "24")))
    soup = page(client.get(f"/watch/{parent.id}/confirm"))
    # 24, still accepted where an hour is typed, is written like every midnight: 00:00.
    assert [d.get_text(strip=True) for d in soup.select(".watch-hour")] == [
        "1. 06:00",
        "2. 00:00",
    ]
    client.post(f"/watch/{parent.id}/confirm")
    registration = db.session.scalar(select(WatchRegistration))
    assert [(w.start_hour, w.entered_hour) for w in registration.windows] == [(6, 6), (0, 24)]
    run_jobs()
    body = text_body(smtp.to("example@example.com")[0])
    assert "t***@example.com さんが" in body  # added by a family member: masked address
    assert "00:00〜06:00 の使用量を 06:30 ごろお知らせします" in body
    # The input screen shows it as the list's one midnight, and keeping it changes nothing.
    soup = page(client.get(f"/watch/{parent.id}/edit"))
    assert soup.select_one("#hour_2 option[selected]").get_text() == "00:00"
    client.post(f"/watch/{parent.id}/edit", data=input_data(hours=("6", "0")))
    client.post(f"/watch/{parent.id}/confirm")
    db.session.expire_all()
    assert [w.removed_at for w in registration.windows] == [None, None]


def test_戻る_returns_to_the_input_with_what_was_typed(client, contract):
    data = input_data(hours=("7", "13"), recipients=(("娘", "daughter@example.com"),), locale="en")
    client.post(f"/watch/{contract.id}/edit", data=data)
    soup = page(client.get(f"/watch/{contract.id}/confirm"))
    back = soup.find("a", string="戻る")
    soup = page(client.get(back["href"]))
    assert soup.select_one("#hour_1 option[selected]")["value"] == "7"
    assert soup.select_one("#hour_2 option[selected]")["value"] == "13"
    assert soup.select_one("#recipients-0-name")["value"] == "娘"
    assert soup.select_one("#recipients-0-email")["value"] == "daughter@example.com"
    assert soup.select_one("#recipients-0-locale option[selected]")["value"] == "en"


@pytest.mark.parametrize(
    "hours, recipients, field_id, message",
    [
        (("", ""), None, "hour_1", "見守り開始時刻の1を入力してください"),
        (("", "8"), None, "hour_1", "見守り開始時刻の1を入力してください"),
        (
            ("25", ""),
            None,
            "hour_1",
            "見守り開始時刻は0時から24時までの1時間単位で指定してください",
        ),
        (
            ("8", "-1"),
            None,
            "hour_2",
            "見守り開始時刻は0時から24時までの1時間単位で指定してください",
        ),
        (
            ("8.5", ""),
            None,
            "hour_1",
            "見守り開始時刻は0時から24時までの1時間単位で指定してください",
        ),
        (("22", "2"), None, "hour_2", "見守り期間が重複しています"),
        (("6", "6"), None, "hour_2", "見守り期間が重複しています"),
        (("8", ""), (("息子", ""),), "recipients-0-email", "メールアドレスを入力してください"),
        (("8", ""), (("", "son@example.com"),), "recipients-0-name", "名前を入力してください"),
        (
            ("8", ""),
            (("あ" * 51, "son@example.com"),),
            "recipients-0-name",
            "名前は50文字以内で入力してください",
        ),
        (
            ("8", ""),
            (("息子", "son@example"),),
            "recipients-0-email",
            "メールアドレスの形式が正しくありません",
        ),
        (
            ("8", ""),
            (("息子", "son@example.com\r\nBcc: x@example.com"),),
            "recipients-0-email",
            "メールアドレスの形式が正しくありません",
        ),
        (
            ("8", ""),
            (("息子", "son@example.com,x@example.com"),),
            "recipients-0-email",
            "メールアドレスの形式が正しくありません",
        ),
        (
            ("8", ""),
            (("息子", "<son@example.com>"),),
            "recipients-0-email",
            "メールアドレスの形式が正しくありません",
        ),
        (
            ("8", ""),
            (("息子", "son@example.com"), ("娘", "SON@example.com")),
            "recipients-1-email",
            "同じメールアドレスが複数入力されています",
        ),
    ],
)
def test_bad_input_is_refused_beside_its_field(
    client, contract, hours, recipients, field_id, message
):
    data = input_data(hours=hours) if recipients is None else input_data(hours, recipients)
    response = client.post(f"/watch/{contract.id}/edit", data=data)
    assert response.status_code == 200
    soup = page(response)
    assert error_beside(soup, field_id)[0] == message
    summary = soup.select_one("#error-summary")
    title = summary.h2.get_text(strip=True)
    assert title == "入力内容に誤りがあります。赤く表示された項目をご確認ください。"
    [link] = summary.select(f"a[href='#{field_id}']")
    assert message in link.get_text()
    with client.session_transaction() as session:
        assert "watch_draft" not in session
    assert client.get(f"/watch/{contract.id}/confirm").headers["Location"].endswith("/edit")


def test_touching_windows_are_accepted(client, contract):
    response = client.post(f"/watch/{contract.id}/edit", data=input_data(hours=("6", "0")))
    assert response.headers["Location"] == f"/watch/{contract.id}/confirm"


def test_no_recipient_is_refused(client, contract):
    soup = page(client.post(f"/watch/{contract.id}/edit", data=input_data(recipients=())))
    assert (
        soup.select_one("#recipients-error").get_text(strip=True)
        == "通知先を1件以上入力してください"
    )


def test_an_unknown_language_is_refused(client, contract):
    data = input_data()
    data["recipients-0-locale"] = "xx"
    soup = page(client.post(f"/watch/{contract.id}/edit", data=data))
    assert error_beside(soup, "recipients-0-locale") == ["言語を選択してください"]


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"hour_3": "16"}, "見守り開始時刻は1日につき最大2回までです"),
        (
            {"recipients-5-name": "六人目", "recipients-5-email": "six@example.com"},
            "通知先は5件まで登録できます",
        ),
    ],
)
def test_whatever_the_browser_sends_no_third_window_or_sixth_recipient(
    client, contract, extra, message
):
    five = tuple((f"n{i}", f"n{i}@example.com") for i in range(5))
    data = {**input_data(recipients=five), **extra}
    soup = page(client.post(f"/watch/{contract.id}/edit", data=data))
    assert message in soup.select_one(".form-errors").get_text()
    client.post(f"/watch/{contract.id}/confirm")
    assert count(WatchRegistration) == 0


def test_登録_twice_registers_once(client, contract, smtp, run_jobs):
    client.post(f"/watch/{contract.id}/edit", data=input_data())
    with client.session_transaction() as session:
        draft = dict(session["watch_draft"])
    assert client.post(f"/watch/{contract.id}/confirm").status_code == 302
    # pressed again: the draft is gone, the registration is there
    response = client.post(f"/watch/{contract.id}/confirm")
    assert response.headers["Location"] == f"/watch/{contract.id}/done"
    # a second request that still carried the draft (two tabs, a double click)
    with client.session_transaction() as session:
        session["watch_draft"] = draft
    client.post(f"/watch/{contract.id}/confirm")
    assert count(WatchRegistration) == 1
    assert count(WatchWindow) == 1
    assert count(WatchRecipient) == 1
    run_jobs()
    assert len(smtp.to("example@example.com")) == 1


def test_登録_checks_the_draft_again(client, contract):
    client.post(f"/watch/{contract.id}/edit", data=input_data(hours=("6", "14")))
    with client.session_transaction() as session:
        session["watch_draft"]["hours"] = [6, 8]
        session.modified = True
    response = client.post(f"/watch/{contract.id}/confirm")
    assert response.headers["Location"] == f"/watch/{contract.id}/edit"
    assert "見守り期間が重複しています" in flashes(page(client.get(response.headers["Location"])))
    assert count(WatchRegistration) == 0


def test_change_is_prefilled_and_replaces_in_one_go(client, account, contract, smtp, run_jobs):
    registration = register(
        account,
        contract,
        hours=(8,),
        recipients=(("息子", "son@example.com"), ("娘", "daughter@example.com")),
    )
    son, daughter = registration.recipients
    [old_window] = registration.windows
    run_jobs()
    smtp.clear()
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    assert soup.select_one("#hour_1 option[selected]")["value"] == "8"
    assert soup.select_one("#recipients-0-email")["value"] == "son@example.com"
    assert soup.select_one("#recipients-1-email")["value"] == "daughter@example.com"
    data = input_data(
        hours=("9", "18"),
        recipients=(("長男", "son@example.com"), ("孫", "grandchild@example.com")),
    )
    client.post(f"/watch/{contract.id}/edit", data=data)
    client.post(f"/watch/{contract.id}/confirm")
    db.session.expire_all()
    assert count(WatchRegistration) == 1
    live_windows = [w for w in registration.windows if w.removed_at is None]
    assert [w.entered_hour for w in live_windows] == [9, 18]
    assert old_window.removed_at is not None
    assert son.removed_at is None and son.name == "長男"  # the same row: reports keep it
    assert daughter.removed_at is not None
    run_jobs()
    # only the new address is told; the son already knows
    assert [m["To"] for m in smtp.messages] == ["grandchild@example.com"]


def test_解除_steps(client, account, contract, smtp, run_jobs):
    registration = register(account, contract)
    run_jobs()
    smtp.clear()
    # ① the button at the lower right of the registration's screen
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    button = soup.select_one(".actions-end").find("a", string="現在の見守り設定を解除する")
    # ② 「現在の見守り設定を解除いたします」
    soup = page(client.get(button["href"]))
    assert (
        soup.select_one(".end-question").get_text(strip=True) == "現在の見守り設定を解除いたします"
    )
    assert soup.find("a", string="戻る")["href"] == f"/watch/{contract.id}/edit"
    assert soup.find("button", string="はい")
    # ③ はい
    response = client.post(button["href"])
    assert response.headers["Location"] == "/watch"
    assert "登録された見守り会員情報を解除しました。" in flashes(page(client.get("/watch")))
    db.session.refresh(registration)
    assert registration.ended_at is not None
    run_jobs()
    [mail] = smtp.to("son@example.com")
    assert mail["Subject"] == "【小平町水道アプリ】見守りサービスが解除されました"
    assert "今後、この契約の見守りメールは送信されません。" in text_body(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # no registration: the screen is empty again, and 解除 leads back to the list
    soup = page(client.get(f"/watch/{contract.id}/edit"))
    assert soup.select_one("#recipients-0-email").get("value", "") == ""
    assert client.get(button["href"]).headers["Location"] == "/watch"


def test_demo_watches_the_demo_accounts_parent_once(app):
    from kodaira_app.demo import watch as demo_watch

    said = []
    demo_watch.load(said.append)
    assert said == ["watch: no demo account, skipped"]
    demo = make_account("demo@example.com")
    own_contract(demo)
    parent = own_contract(demo, relation="family")
    demo_watch.load(said.append)
    demo_watch.load(said.append)
    [registration] = db.session.scalars(select(WatchRegistration)).all()
    assert registration.customer_id == parent.id
    assert [w.entered_hour for w in registration.windows] == [6]
    assert [r.email for r in registration.recipients] == ["demo-child@example.com"]
    assert said[-1].endswith("is already watched")
