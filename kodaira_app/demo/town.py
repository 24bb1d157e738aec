"""Demo data: the town's customers and the demo account (idempotent).

The demo account holds its own contract (本人, pattern 1) and a parent's contract (家族,
with consent, pattern 2); one more customer is left unlinked for trying 契約の追加.
"""

from __future__ import annotations

from sqlalchemy import select

from kodaira_app.auth import agreement
from kodaira_app.auth.accounts import hash_password
from kodaira_app.contracts.linking import link_contract
from kodaira_app.contracts.normalize import display_customer_number
from kodaira_app.extensions import db
from kodaira_app.models import Account, Customer
from kodaira_app.timeutil import utcnow

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "kodaira-demo"  # nosec B105  # the demo login, printed by `flask demo load`
OWN_NUMBER = "00000008001"
PARENT_NUMBER = "00000008002"
FREE_NUMBER = "00000008003"

_BASE = "北海道留萌郡小平町"
# (number suffix, kana, name, address, smart meter)
CUSTOMERS = [
    (8001, "コダイラ イチロウ", "小平 一郎", "字小平町352番地", True),
    (8002, "コダイラ タロウ", "小平 太郎", "字鬼鹿広富1045番地", True),
    (8003, "オニシカ ハナコ", "鬼鹿 花子", "字鬼鹿126番地", True),
    (8004, "ウスヤ ケンジ", "臼谷 健二", "字臼谷46番地", True),
    (8005, "タップ ヨシコ", "達布 良子", "字達布260番地", False),
    (8006, "ハナオカ マサル", "花岡 勝", "字花岡37番地", True),
    (8007, "オオトド ミチコ", "大椴 美智子", "字大椴15番地", False),
    (8008, "ヤマモト サトシ", "山本 聡", "字小平町511番地", True),
    (8009, "サトウ カズコ", "佐藤 和子", "字小平町78番地", True),
    (8010, "タカハシ ノボル", "高橋 昇", "字鬼鹿元浜210番地", False),
    (8011, "スズキ アキラ", "鈴木 明", "字鬼鹿秀浦8番地", True),
    (8012, "ワタナベ ヒロミ", "渡辺 裕美", "字臼谷3番地", True),
    (8013, "イトウ ススム", "伊藤 進", "字小平町1201番地", False),
    (8014, "ナカムラ トシエ", "中村 敏江", "字大椴102番地", True),
    (8015, "コバヤシ ミノル", "小林 実", "字達布31番地", True),
    (8016, "カトウ フミコ", "加藤 文子", "字花岡140番地", False),
    (8017, "ヨシダ タケシ", "吉田 武", "字小平町64番地", True),
    (8018, "ヤマダ セツコ", "山田 節子", "字鬼鹿田代27番地", True),
    (8019, "ササキ マモル", "佐々木 守", "字小平町733番地", False),
    (8020, "マツモト ユキエ", "松本 幸恵", "字臼谷88番地", True),
]


def _customers() -> dict[str, Customer]:
    by_number = {}
    for suffix, kana, name, address, smart in CUSTOMERS:
        number = f"{suffix:011d}"
        customer = db.session.scalar(select(Customer).where(Customer.customer_number == number))
        if customer is None:
            customer = Customer(
                customer_number=number,
                name_kana=kana,
                name=name,
                address=_BASE + address,
                meter_id=f"KM{suffix:08d}" if smart else None,
                smart_meter=smart,
            )
            db.session.add(customer)
        by_number[number] = customer
    db.session.flush()
    return by_number


def _account() -> Account:
    account = db.session.scalar(select(Account).where(Account.email == DEMO_EMAIL))
    if account is None:
        account = Account(
            email=DEMO_EMAIL,
            password_hash=hash_password(DEMO_PASSWORD),
            email_confirmed_at=utcnow(),
            locale="ja",
        )
        db.session.add(account)
    if account.agreed_at is None:  # the demo resident agreed to the documents in force
        agreement.record(account, agreement.current(utcnow()))
    db.session.flush()
    return account


def _link(account: Account, customer: Customer, relation: str) -> None:
    if customer.link is None:
        link_contract(account, customer, relation)


def load(echo) -> None:
    customers = _customers()
    account = _account()
    _link(account, customers[OWN_NUMBER], "self")
    _link(account, customers[PARENT_NUMBER], "family")
    free = customers[FREE_NUMBER]
    echo(f"demo town: {len(CUSTOMERS)} customers")
    echo(f"demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
    echo(
        f"try 契約の追加 with お客様番号 {display_customer_number(FREE_NUMBER)} "
        f"and お客様氏名カナ {free.name_kana}"
        + (" (already added to an account)" if free.link is not None else "")
    )
