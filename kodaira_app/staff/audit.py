"""The audit trail: every staff view of a customer and every staff action, append-only."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l

from kodaira_app.extensions import db
from kodaira_app.models.staff import AuditLog, StaffUser
from kodaira_app.staff.access import current_staff

# What each action is called on the audit page.
ACTIONS = {
    "login": _l("ログイン"),
    "login_failed": _l("ログイン失敗"),
    "logout": _l("ログアウト"),
    "totp_enrolled": _l("二段階認証の登録"),
    "staff_created": _l("職員の作成"),
    "staff_totp_reset": _l("職員の二段階認証の再設定"),
    "staff_password_reset": _l("職員のパスワードの再設定"),
    "staff_disabled": _l("職員の無効化"),
    "search": _l("検索"),
    "view_customer": _l("お客様情報の閲覧"),
    "view_deliveries": _l("配信一覧の閲覧"),
    "resend": _l("再送"),
    "resend_repeat": _l("再送（意図的な重複）"),
    "tick_preview": _l("見守り実行のプレビュー"),
    "tick_run": _l("見守り実行"),
    "tick_test_preview": _l("見守り実行（テスト）のプレビュー"),
    "tick_test_send": _l("見守り実行（テスト）の送信"),
    "upload": _l("CSV取込"),
    "token_created": _l("APIトークンの発行"),
    "token_revoked": _l("APIトークンの無効化"),
    "view_outbox": _l("送信メール一覧の閲覧"),
    "view_mail": _l("送信メールの閲覧"),
    "view_direct_debit": _l("口座振替申込の閲覧"),
    "direct_debit_processed": _l("口座振替申込の処理"),
    "view_audit": _l("監査ログの閲覧"),
    "view_mail_html": _l("送信メールのHTMLの閲覧"),
    "view_tokens": _l("APIトークン一覧の閲覧"),
    "reveal_email": _l("メールアドレスの表示"),
    "forbidden": _l("権限のない操作の試み"),
    "view_episodes": _l("異変のお知らせの閲覧"),
    "preview_alert_mail": _l("異変のお知らせメールのプレビュー"),
}


def record(
    staff: StaffUser | None,
    action: str,
    target_type: str | None = None,
    target_id: Any = None,
    **detail: Any,
) -> AuditLog:
    """Add an audit row to the caller's transaction (the action and its record commit together)."""
    row = AuditLog(
        staff_id=staff.id if staff else None,
        staff_email=staff.email if staff else detail.pop("email", "-"),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=detail,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(row)
    return row


def audit_commit(action: str, target_type=None, target_id=None, **detail: Any) -> AuditLog:
    """Record what the signed-in staff member did or saw, and commit it with the change."""
    row = record(current_staff(), action, target_type, target_id, **detail)
    db.session.commit()
    return row
