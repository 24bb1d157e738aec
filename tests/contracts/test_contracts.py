"""契約内容のご確認 and 契約の追加 (SPEC §3.2, §3.3), patterns 1 and 2 of the guide."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kodaira_app.contracts.normalize import (
    display_kana,
    is_katakana,
    kana_key,
    normalize_customer_number,
)
from kodaira_app.extensions import db
from kodaira_app.models import Consent, ContractLink, ThrottleEvent, WatchRegistration
from tests.support.accounts import make_account, session_id
from tests.support.factories import link, make_customer
from tests.support.pages import (
    field_error,
    field_errors,
    flashes,
    label_for,
    page,
    text,
)

NUMBER = "00000008002"
KANA = "コダイラ タロウ"
MISMATCH = (
    "お客様番号またはお客様氏名カナが正しくありません。"
    "検針票などに記載のお客様番号と、ご契約者様のお名前のカナをご確認ください。"
)


@pytest.fixture
def parent(app):
    return make_customer(customer_number=NUMBER, name_kana=KANA, name="小平 太郎")


def add(client, number="0-0000008002", kana=KANA, relation="self", consent=False):
    data = {"customer_number": number, "name_kana": kana}
    if relation:
        data["relation"] = relation
    if consent:
        data["consent"] = "y"
    return client.post("/contracts/add", data=data)


def links():
    db.session.expire_all()
    return list(db.session.scalars(select(ContractLink)))


# --- normalization (no Flask) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0-0000008002", "00000008002"),
        ("00000008002", "00000008002"),
        ("０－００００００８００２", "00000008002"),
        ("０００００００８００２", "00000008002"),
        (" 0 0000 008002 ", "00000008002"),
        ("0\u30000000008002", "00000008002"),
        ("0ー0000008002", "00000008002"),  # the IME's long vowel mark for a hyphen
        ("0−0000008002", "00000008002"),
        ("8002", None),
        ("000000080021", None),
        ("0-000000800a", None),
        ("", None),
        (None, None),
    ],
)
def test_customer_number_normalization(typed, expected):
    assert normalize_customer_number(typed) == expected


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("コダイラ タロウ", "コダイラタロウ"),
        ("コダイラタロウ", "コダイラタロウ"),
        ("こだいら たろう", "コダイラタロウ"),
        ("ｺﾀﾞｲﾗ ﾀﾛｳ", "コダイラタロウ"),
        ("コダイラ\u3000タロウ", "コダイラタロウ"),
        ("  コダイラ   タロウ ", "コダイラタロウ"),
        ("ｺだｲら たろウ", "コダイラタロウ"),
    ],
)
def test_kana_is_compared_as_full_width_katakana_without_spaces(typed, key):
    assert kana_key(typed) == key
    assert is_katakana(typed)


@pytest.mark.parametrize("typed", ["小平太郎", "Kodaira Taro", "コダイラ1", "", "   "])
def test_other_scripts_are_not_kana(typed):
    assert not is_katakana(typed)


def test_kana_is_displayed_with_single_spaces():
    assert display_kana("ｺﾀﾞｲﾗ\u3000\u3000たろう") == "コダイラ タロウ"


# --- 契約内容のご確認 ---------------------------------------------------------------------


def test_contracts_page_lists_the_accounts_contracts_with_add_on_the_right(client, auth):
    me = auth.signed_in()
    own = make_customer(
        customer_number="00000008001", name="小平 一郎", address="北海道留萌郡小平町字小平町352番地"
    )
    parent = make_customer(customer_number=NUMBER, name="小平 太郎")
    old = make_customer(customer_number="00000008005", name="達布 良子", smart_meter=False)
    for customer, relation in ((own, "self"), (parent, "family"), (old, "other")):
        link(me, customer, relation)
    db.session.add(WatchRegistration(customer_id=parent.id, account_id=me.id))
    db.session.commit()
    make_customer(customer_number="00000008009", name="佐藤 和子")  # someone else's

    soup = page(client.get("/contracts"))
    head = soup.select_one(".page-head")
    assert text(head.h1) == "契約内容のご確認"
    button = head.select_one("a.button")
    assert text(button) == "契約の追加" and button["href"] == "/contracts/add"
    headers = [text(th) for th in soup.select("table.contracts th")]
    assert headers == ["お客様番号", "お名前", "供給場所", "水道スマートメーター", "見守り"]
    rows = [[text(td) for td in tr.select("td")] for tr in soup.select("table.contracts tbody tr")]
    assert rows == [
        ["0-0000008001", "小平 一郎", "北海道留萌郡小平町字小平町352番地", "設置済み", "未登録"],
        [
            "0-0000008002",
            "小平 太郎 （申込者との関係：家族）",
            "北海道留萌郡小平町字小平町1番地",
            "設置済み",
            "登録中",
        ],
        [
            "0-0000008005",
            "達布 良子 （申込者との関係：その他）",
            "北海道留萌郡小平町字小平町1番地",
            "未設置",
            "ご利用できません（水道スマートメーター未設置）",
        ],
    ]


def test_contracts_page_without_contracts_says_how_to_add_one(client, auth):
    auth.signed_in()
    soup = page(client.get("/contracts"))
    assert soup.select("table.contracts") == []
    assert "「契約の追加」から" in text(soup.main)


def test_top_shows_contracts_with_watch_status_and_the_way_to_procedures(client, auth, parent):
    me = auth.signed_in()
    link(me, parent, "family")
    soup = page(client.get("/"))
    card = soup.select_one("section.card")
    assert text(card.h3) == "お客様番号 0-0000008002"
    assert "見守りサービス 未登録" in text(card)
    procedures = [a for a in soup.select(".actions a") if text(a) == "各種お手続き"]
    assert procedures and procedures[0]["href"] == "/procedures"
    assert "見守りサービスの登録・変更・解除" in text(soup.main)


def test_top_without_contracts_offers_to_add_one(client, auth):
    auth.signed_in()
    soup = page(client.get("/"))
    add_link = soup.find("a", string="契約の追加")
    assert add_link["href"] == "/contracts/add"


# --- 契約の追加: the input screen -----------------------------------------------------------


def test_add_screen_has_the_guides_fields_help_consent_and_buttons(client, auth):
    auth.signed_in()
    soup = page(client.get("/contracts/add"))
    assert text(soup.h1) == "契約の追加"
    assert label_for(soup, "customer_number") == "お客様番号*"
    assert label_for(soup, "name_kana") == "お客様氏名カナ*"
    assert text(soup.find(id="name_kana-help")) == "※ご契約者氏名をカタカナで入力してください。"
    fieldsets = soup.select("fieldset")
    relation, consent = fieldsets[0], fieldsets[1]
    assert relation.legend.get_text("", strip=True) == "申込者と契約者の関係*"
    assert [text(label) for label in relation.select("label")] == ["本人", "家族", "その他"]
    assert consent.legend.get_text("", strip=True) == "契約者の同意確認*"
    assert [text(p) for p in consent.select(".consent-text p")] == [
        "申込者が契約者ご本人ではありません。",
        "本申込にあたり、契約者ご本人の同意をえていますか？",
        "(同意を得ていない場合は申し込みを行うことができません。)",
    ]
    assert text(consent.select_one("label.choice")) == "確認した"
    assert "「家族」「その他」の場合のみ必要です" in text(consent.select_one(".consent-scope"))
    buttons = [text(b) for b in soup.select(".actions a, .actions button")]
    assert buttons == ["キャンセル", "確認"]
    assert soup.select_one(".actions a")["href"] == "/contracts"


@pytest.mark.parametrize(
    ("number", "kana", "relation", "consent", "errors"),
    [
        ("", KANA, "self", False, {"customer_number": "お客様番号を入力してください。"}),
        (
            "8002",
            KANA,
            "self",
            False,
            {"customer_number": "お客様番号は11桁の数字で入力してください。（例：0-0000008002）"},
        ),
        (
            "0-000000800X",
            KANA,
            "self",
            False,
            {"customer_number": "お客様番号は11桁の数字で入力してください。（例：0-0000008002）"},
        ),
        (NUMBER, "", "self", False, {"name_kana": "お客様氏名カナを入力してください。"}),
        (
            NUMBER,
            "小平太郎",
            "self",
            False,
            {"name_kana": "お客様氏名カナはカタカナで入力してください。"},
        ),
        (
            NUMBER,
            "Kodaira",
            "self",
            False,
            {"name_kana": "お客様氏名カナはカタカナで入力してください。"},
        ),
        (NUMBER, KANA, None, False, {"relation": "申込者と契約者の関係を選択してください。"}),
        (NUMBER, KANA, "boss", False, {"relation": "申込者と契約者の関係を選択してください。"}),
        (
            NUMBER,
            KANA,
            "family",
            False,
            {
                "consent": "申込者が契約者ご本人でない場合は、契約者ご本人の同意を得たうえで"
                "「確認した」にチェックしてください。"
            },
        ),
        (
            NUMBER,
            KANA,
            "other",
            False,
            {
                "consent": "申込者が契約者ご本人でない場合は、契約者ご本人の同意を得たうえで"
                "「確認した」にチェックしてください。"
            },
        ),
        (
            "",
            "",
            None,
            False,
            {
                "customer_number": "お客様番号を入力してください。",
                "name_kana": "お客様氏名カナを入力してください。",
                "relation": "申込者と契約者の関係を選択してください。",
            },
        ),
    ],
)
def test_bad_input_is_refused_beside_the_field(
    client, auth, parent, number, kana, relation, consent, errors
):
    auth.signed_in()
    response = add(client, number, kana, relation, consent)
    assert response.status_code == 200
    assert field_errors(page(response)) == errors
    assert links() == []


@pytest.mark.parametrize(
    ("number", "kana"),
    [
        ("0-0000008002", "コダイラ タロウ"),
        ("00000008002", "コダイラタロウ"),
        ("０－００００００８００２", "こだいら　たろう"),
        (" 0 0000 008002 ", "ｺﾀﾞｲﾗ ﾀﾛｳ"),
    ],
)
def test_number_and_kana_are_accepted_in_every_way_residents_type_them(
    client, auth, parent, number, kana
):
    auth.signed_in()
    response = add(client, number, kana)
    assert response.headers["Location"] == "/contracts/add/confirm"
    soup = page(client.get("/contracts/add/confirm"))
    assert text(soup.select_one("dd.customer-number")) == "0-0000008002"


def test_unknown_number_and_wrong_name_give_one_identical_message(client, auth, parent):
    auth.signed_in()
    unknown = field_errors(page(add(client, number="0-0000009999")))
    wrong = field_errors(page(add(client, kana="コダイラ ハナコ")))
    assert unknown == wrong == {"customer_number": MISMATCH}


def test_contract_held_by_another_account_is_refused_with_a_clear_message(client, auth, parent):
    child = make_account("child@example.com")
    link(child, parent, "family")
    auth.signed_in("parent@example.com")
    soup = page(add(client))
    assert field_error(soup, "customer_number") == (
        "この契約はすでにアプリに登録されているため、追加できません。"
        "ご不明な点は小平町 上下水道までお問い合わせください。"
    )
    assert [link.account_id for link in links()] == [child.id]


def test_held_by_another_account_is_only_told_to_who_knows_the_name(client, auth, parent):
    link(make_account("child@example.com"), parent, "family")
    auth.signed_in("parent@example.com")
    assert field_errors(page(add(client, kana="ダレカ"))) == {"customer_number": MISMATCH}


def test_contract_already_on_this_account_says_so(client, auth, parent):
    me = auth.signed_in()
    link(me, parent)
    assert field_error(page(add(client)), "customer_number") == (
        "この契約はすでにご登録済みです。契約内容のご確認でご覧いただけます。"
    )


# --- throttling --------------------------------------------------------------------------


def test_failed_attempts_on_one_number_are_throttled_across_accounts(app, client, auth, parent):
    guesser = app.test_client()
    with guesser.session_transaction() as session:
        session["_user_id"] = session_id(make_account("guesser@example.com"))
    for name in ("アイウ", "エオカ", "キクケ", "コサシ", "スセソ"):
        assert field_errors(page(add(guesser, kana=name))) == {"customer_number": MISMATCH}
    auth.signed_in()
    message = field_error(page(add(client)), "customer_number")
    assert message.startswith("入力の誤りが続いたため、契約の追加を一時的に停止しています。")
    assert message.endswith("以降にもう一度お試しください。")
    assert links() == []
    # Another number is not affected; and half an hour later this one opens again.
    make_customer(customer_number="00000008003", name_kana="オニシカ ハナコ")
    assert add(client, "0-0000008003", "オニシカ ハナコ").status_code == 302
    for event in db.session.scalars(select(ThrottleEvent)):
        event.created_at -= timedelta(minutes=31)
    db.session.commit()
    assert add(client).status_code == 302


def test_one_account_guessing_many_numbers_is_throttled(client, auth, parent):
    auth.signed_in()
    for n in range(10):
        add(client, number=f"0-00000090{n:02d}")
    assert "一時的に停止" in field_error(page(add(client)), "customer_number")


# --- 確認 → 登録 → done -------------------------------------------------------------------


def confirm_page(client):
    return page(client.get("/contracts/add/confirm"))


def register(client):
    return client.post("/contracts/add/confirm")


def test_pattern_1_own_contract(client, auth, parent):
    me = auth.signed_in()
    assert add(client, relation="self").headers["Location"] == "/contracts/add/confirm"
    soup = confirm_page(client)
    summary = dict(
        zip(
            [text(dt) for dt in soup.select("dl.summary dt")],
            [text(dd) for dd in soup.select("dl.summary dd")],
            strict=True,
        )
    )
    assert summary == {
        "お客様番号": "0-0000008002",
        "お客様氏名カナ": "コダイラ タロウ",
        "申込者と契約者の関係": "本人",
    }
    assert soup.select(".notice") == []
    assert [text(b) for b in soup.select(".actions a, .actions button")] == ["戻る", "登録"]
    assert links() == []  # nothing is registered before 登録
    response = register(client)
    assert response.headers["Location"] == "/contracts/add/done"
    soup = page(client.get("/contracts/add/done"))
    assert text(soup.h1) == "契約の追加が完了しました"
    assert "お客様番号 0-0000008002 の契約を追加しました。" in text(soup.main)
    assert soup.find("a", string="トップページに戻る")["href"] == "/"
    [row] = links()
    assert (row.account_id, row.customer_id, row.relation) == (me.id, parent.id, "self")
    assert db.session.scalar(select(func.count(Consent.id))) == 0


@pytest.mark.parametrize(("relation", "label"), [("family", "家族"), ("other", "その他")])
def test_pattern_2_parents_contract_with_consent_and_warning(client, auth, parent, relation, label):
    me = auth.signed_in("child@example.com")
    add(client, kana="こだいら たろう", relation=relation, consent=True)
    soup = confirm_page(client)
    values = [text(dd) for dd in soup.select("dl.summary dd")]
    assert values == ["0-0000008002", "コダイラ タロウ", label, "確認した"]
    warning = text(soup.select_one(".notice"))
    assert (
        "パターン②の場合、見守られる方ご自身は(例：親)がアプリに登録することはできなくなります"
    ) in warning
    register(client)
    [row] = links()
    assert (row.account_id, row.relation) == (me.id, relation)
    [consent] = db.session.scalars(select(Consent))
    assert (
        consent.account_id,
        consent.account_email,
        consent.customer_id,
        consent.relation,
        consent.text_version,
    ) == (me.id, "child@example.com", parent.id, relation, "guide-2024-1")
    assert consent.consented_at is not None


def test_after_pattern_2_the_parent_cannot_register_the_contract(app, client, auth, parent):
    auth.signed_in("child@example.com")
    add(client, relation="family", consent=True)
    register(client)
    parent_client = app.test_client()
    with parent_client.session_transaction() as session:
        session["_user_id"] = session_id(make_account("parent@example.com"))
    message = field_error(page(add(parent_client)), "customer_number")
    assert message.startswith("この契約はすでにアプリに登録されているため、追加できません。")


def test_consent_records_are_append_only(client, auth, parent):
    auth.signed_in()
    add(client, relation="family", consent=True)
    register(client)
    consent = db.session.scalar(select(Consent))
    consent.relation = "self"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(PermissionError):
        db.session.delete(db.session.scalar(select(Consent)))
        db.session.commit()
    db.session.rollback()


def test_back_returns_to_the_input_with_what_was_typed(client, auth, parent):
    auth.signed_in()
    add(client, number="０－００００００８００２", kana="ｺﾀﾞｲﾗ ﾀﾛｳ", relation="family", consent=True)
    back = confirm_page(client).select_one(".actions a")
    assert text(back) == "戻る"
    soup = page(client.get(back["href"]))
    assert soup.find(id="customer_number")["value"] == "０－００００００８００２"
    assert soup.find(id="name_kana")["value"] == "ｺﾀﾞｲﾗ ﾀﾛｳ"
    assert soup.find("input", attrs={"name": "relation", "value": "family"}).has_attr("checked")
    assert soup.find(id="consent").has_attr("checked")
    # Opening 契約の追加 afresh starts empty.
    fresh = page(client.get("/contracts/add"))
    assert not fresh.find(id="customer_number").get("value")


def test_register_twice_links_once(client, auth, parent):
    auth.signed_in()
    add(client, relation="family", consent=True)
    first = register(client)
    second = register(client)
    assert first.headers["Location"] == second.headers["Location"] == "/contracts/add/done"
    assert len(links()) == 1
    assert db.session.scalar(select(func.count(Consent.id))) == 1


def test_register_twice_with_the_same_draft_links_once(app, client, auth, parent):
    """Two 登録 requests carrying the same session cookie (a double click)."""
    auth.signed_in()
    add(client, relation="family", consent=True)
    with client.session_transaction() as session:
        saved = dict(session)
    register(client)
    with client.session_transaction() as session:
        session.clear()
        session.update(saved)
    assert register(client).headers["Location"] == "/contracts/add/done"
    assert len(links()) == 1
    assert db.session.scalar(select(func.count(Consent.id))) == 1


def test_register_checks_everything_again(client, auth, parent):
    auth.signed_in()
    add(client)
    fast = make_account("fast@example.com")
    link(fast, parent, "family")  # taken in the meantime
    response = register(client)
    assert response.status_code == 200
    assert field_error(page(response), "customer_number").startswith(
        "この契約はすでにアプリに登録されているため"
    )
    assert [row.account_id for row in links()] == [fast.id]
    assert db.session.scalar(select(func.count(Consent.id))) == 0


def test_confirm_without_a_draft_goes_back_to_the_input(client, auth):
    auth.signed_in()
    response = client.get("/contracts/add/confirm")
    assert response.headers["Location"] == "/contracts/add"
    assert flashes(page(client.get("/contracts/add"))) == [
        "入力内容が見つかりません。もう一度入力してください。"
    ]
    assert register(client).headers["Location"] == "/contracts/add"
    assert client.get("/contracts/add/done").headers["Location"] == "/contracts"


# --- another account's contracts ----------------------------------------------------------


def contract_urls(app, customer_id):
    """(method, URL) of every route of the app that names a contract by id."""
    from flask import url_for

    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "customer_id" not in rule.arguments:
                continue
            url = url_for(rule.endpoint, **{name: customer_id for name in rule.arguments})
            urls += [(method, url) for method in ("GET", "POST") if method in rule.methods]
    return urls


def test_another_accounts_contract_is_404_on_every_url(app, client, auth, parent):
    owner = make_account("owner@example.com")
    link(owner, parent)
    auth.signed_in("other@example.com")
    urls = contract_urls(app, parent.id)
    assert len(urls) >= 5
    for method, url in urls:
        assert client.open(url, method=method).status_code == 404, (method, url)
    with client.session_transaction() as session:
        session["contract_added"] = parent.id
    assert client.get("/contracts/add/done").status_code == 404
