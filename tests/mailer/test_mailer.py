"""Every mail goes through the outbox: sent over SMTP, or kept and logged without one."""

from email.header import decode_header, make_header
from email.utils import parseaddr
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from kodaira_app.extensions import db
from kodaira_app.mailer.kinds import KINDS
from kodaira_app.mailer.outbox import bulk, queue_mail
from kodaira_app.mailer.pipeline import send_mails, sweep
from kodaira_app.models import OutboxMail
from kodaira_app.models.mail import MailStatus
from tests.support.mailbox import text_body


def queue_test_mail(to="child@example.com", name="小平 花子"):
    row = queue_mail(to=to, kind="test", template="test", locale="ja", name=name)
    db.session.commit()
    return row


def test_mail_is_sent_once_over_smtp_after_commit(app, smtp, run_jobs):
    row = queue_test_mail()
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"] == "テストメール 小平 花子 様"
    assert message["To"] == "child@example.com"
    assert "小平 花子 様" in text_body(message)
    db.session.refresh(row)
    assert row.status == "sent" and row.attempts == 1
    assert row.message_id == message["Message-ID"]
    # The same job delivered again (RQ is at-least-once) sends nothing more.
    assert send_mails([row.id])["claimed"] == 0
    assert len(smtp.messages) == 1


def test_mails_written_in_bulk_are_each_sent_once_after_commit(app, smtp, run_jobs):
    names = [f"小平 {i}" for i in range(5)]
    with bulk():
        for i, name in enumerate(names):
            queue_mail(to=f"child{i}@example.com", kind="test", locale="ja", name=name)
        assert smtp.messages == []
    db.session.commit()
    run_jobs()
    assert sorted(m["Subject"] for m in smtp.messages) == [f"テストメール {n} 様" for n in names]
    assert len({m["Message-ID"] for m in smtp.messages}) == len(names)
    rows = db.session.scalars(select(OutboxMail)).all()
    assert [row.status for row in rows] == ["sent"] * len(names)


def test_mails_written_in_bulk_and_rolled_back_are_never_sent(app, smtp, run_jobs):
    with bulk():
        queue_mail(to="a@example.com", kind="test", locale="ja", name="x")
    db.session.rollback()
    run_jobs()
    assert smtp.messages == []
    assert db.session.query(OutboxMail).count() == 0


def test_lines_stay_within_rfc_limits(app, smtp, run_jobs):
    queue_test_mail(name="長" * 600)
    run_jobs()
    raw = smtp.raw[0]
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b"=?utf-8?" in raw.lower()  # the Japanese subject is RFC 2047 encoded


def test_without_smtp_server_mail_is_kept_in_outbox(app, smtp, run_jobs, caplog):
    caplog.set_level("INFO", logger="kodaira_app.mailer.pipeline")
    app.config["MAIL_SUPPRESS_SEND"] = True
    row = queue_test_mail()
    run_jobs()
    db.session.refresh(row)
    assert row.status == "kept"
    assert smtp.messages == []
    assert "mail kept in outbox" in caplog.text


def test_rolled_back_mail_is_never_enqueued(app, smtp, run_jobs):
    queue_mail(to="a@example.com", kind="test", template="test", locale="ja", name="x")
    db.session.rollback()
    run_jobs()
    assert smtp.messages == []
    assert db.session.query(OutboxMail).count() == 0


def test_temporary_failure_is_retried_then_sent(app, smtp, run_jobs, clock):
    from datetime import timedelta

    # The clock stands still: "not due yet" must not depend on how fast this machine is.
    clock.freeze(clock.now())
    smtp.refuse_rcpt = "451 4.3.0 try again later"
    row = queue_test_mail()
    run_jobs()
    db.session.refresh(row)
    assert row.status == "queued" and row.attempts == 1
    assert "451" in row.last_error
    smtp.refuse_rcpt = None
    assert sweep() == 0  # not due yet
    clock.advance(timedelta(seconds=app.config["MAIL_RETRY_SECONDS"][0] - 1))
    assert sweep() == 0  # a second before the first wait is over
    clock.advance(timedelta(seconds=1))
    assert sweep() == 1
    run_jobs()
    db.session.refresh(row)
    assert row.status == "sent" and row.attempts == 2
    assert len(smtp.messages) == 1


def test_permanent_failure_is_marked_failed_with_error(app, smtp, run_jobs):
    smtp.refuse_rcpt = "550 5.1.1 no such user"
    row = queue_test_mail()
    run_jobs()
    db.session.refresh(row)
    assert row.status == "failed"
    assert "550" in row.last_error
    assert sweep() == 0


def test_long_non_ascii_subject_keeps_its_spaces(app, smtp, run_jobs):
    name = "안부 확인 메일의 알림 받는 분으로 등록되었습니다 고다이라초 수도 앱"
    queue_test_mail(name=name)
    run_jobs()
    [message] = smtp.messages
    assert message["Subject"] == f"テストメール {name} 様"


@pytest.mark.parametrize(
    ("locale", "name"),
    [
        ("ja", "小平町水道アプリ"),
        ("en", "Obira Town Water App"),
        ("zh_Hans", "小平町自来水应用"),
        ("ko", "오비라초 수도 앱"),
        ("vi", "Ứng dụng Cấp nước Thị trấn Obira"),
    ],
)
def test_sender_is_named_in_the_readers_language(app, smtp, run_jobs, locale, name):
    queue_mail(to="child@example.com", kind="test", locale=locale, name="小平 花子")
    db.session.commit()
    run_jobs()
    [message] = smtp.messages
    shown, address = parseaddr(str(make_header(decode_header(message["From"]))))
    assert (shown, address) == (name, "noreply@localhost")


def test_every_kind_has_its_templates_and_each_extends_the_one_base(app):
    folder = Path(app.root_path, app.template_folder, "mail")
    for kind in KINDS.values():
        for part in ("subject.txt", "txt", "html"):
            assert (folder / f"{kind.template}.{part}").is_file(), (kind.name, part)
    bodies = [p for p in folder.glob("*.*") if not p.name.endswith(".subject.txt")]
    for path in bodies:
        if path.name.startswith("_"):  # the base and the partials it and the kinds include
            continue
        first = path.read_text().splitlines()[0]
        base = "_base.html" if path.suffix == ".html" else "_base.txt"
        assert first in (
            f'{{% extends "mail/{base}" %}}',
            f'{{% extends "mail/watch_{base.removeprefix("_")}" %}}',
            f'{{% extends "mail/alert_{base.removeprefix("_")}" %}}',
        ), path.name
    for path in [*folder.glob("watch_base.*"), *folder.glob("alert_base.*")]:
        assert path.read_text().startswith('{% extends "mail/_base.'), path.name


def test_a_kind_not_in_the_registry_is_refused(app):
    with pytest.raises(LookupError):
        queue_mail(to="a@example.com", kind="newsletter", locale="ja")
    with pytest.raises(ValueError):
        queue_mail(to="a@example.com", kind="test", template="account_reset", name="x")


def test_a_status_outside_its_enum_is_refused_by_the_database(app):
    queue_test_mail()
    with pytest.raises(IntegrityError):
        db.session.execute(update(OutboxMail).values(status="lost"))
        db.session.flush()
    db.session.rollback()
    assert {m.status for m in db.session.scalars(select(OutboxMail))} == {MailStatus.QUEUED}


@pytest.mark.parametrize(
    "html", [None, "<p>本日 06:00〜12:00 の使用水量は <b>137 L</b> でした。</p>"]
)
def test_mail_bytes_are_what_the_email_package_writes(html):
    """build_bytes puts the wire bytes together itself, for speed: they must stay those of
    MIMEText / MIMEMultipart written with the compat32 policy (boundary and Date aside)."""
    import re
    from email import policy
    from email.header import Header
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.utils import formataddr

    from kodaira_app.mailer.smtp import build_bytes

    subject = (
        "【小平町水道アプリ】鬼鹿の実家 12月2日 06:00〜12:00 使用あり 25.1 L 以上（一部未受信）"
    )
    text = "鬼鹿の実家：水道の使用がありました。\n" + "とても長い行" * 80 + "\n"
    headers = {"List-Unsubscribe": "<http://localhost/watch/stop/" + "x" * 120 + ">"}
    ours = build_bytes(
        sender="小平町水道 <noreply@town.obira.hokkaido.jp>",
        to="son@example.com",
        subject=subject,
        body_text=text,
        body_html=html,
        headers=headers,
        message_id="<1@town.obira.hokkaido.jp>",
    )
    theirs = MIMEText(text, "plain", "utf-8")
    if html is not None:
        theirs, plain = MIMEMultipart("alternative"), theirs
        theirs.attach(plain)
        theirs.attach(MIMEText(html, "html", "utf-8"))
    theirs["Subject"] = Header(subject, "utf-8")
    theirs["From"] = formataddr(("小平町水道", "noreply@town.obira.hokkaido.jp"), charset="utf-8")
    theirs["To"] = "son@example.com"
    theirs["Date"] = "Fri, 04 Dec 2026 12:30:00 +0900"
    theirs["Message-ID"] = "<1@town.obira.hokkaido.jp>"
    for key, value in headers.items():
        theirs[key] = value
    expected = theirs.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))

    def plain_bytes(data: bytes) -> bytes:
        data = re.sub(rb"={15}\d+==", b"BOUNDARY", data)
        return re.sub(rb"Date: [^\r]+\r\n", b"Date: -\r\n", data)

    assert plain_bytes(ours) == plain_bytes(expected)
