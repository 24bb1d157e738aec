"""How the console names the states it shows."""

from flask_babel import lazy_gettext as _l

DELIVERY_STATUS = {
    "pending": _l("送信待ち"),
    "sending": _l("送信中"),
    "sent": _l("送信済み"),
    "kept": _l("保管（SMTP未設定）"),
    "failed": _l("失敗"),
    "missed": _l("期限切れ"),
    "paused": _l("一時停止中"),
    "stopped": _l("配信停止"),
}

WINDOW_STATUS = {
    "used": _l("使用あり"),
    "none": _l("使用なし"),
    "missing": _l("データ未受信"),
    "partial": _l("一部未受信"),
    "paused": _l("一時停止"),
    "missed": _l("期限切れ"),
}

MAIL_STATUS = {
    "queued": _l("送信待ち"),
    "sending": _l("送信中"),
    "sent": _l("送信済み"),
    "kept": _l("保管（SMTP未設定）"),
    "failed": _l("失敗"),
}

RELATION = {"self": _l("本人"), "family": _l("家族"), "other": _l("その他")}

DIRECT_DEBIT_STATUS = {
    "submitted": _l("未処理"),
    "processed": _l("手続き完了"),
    "rejected": _l("不備により返却"),
    "withdrawn": _l("退会により取り下げ"),
}

TICK_MODE = {"on_time": _l("予定どおり"), "late": _l("遅れて評価"), "missed": _l("期限切れ")}

AUDIT_TARGET = {
    "customer": _l("お客様"),
    "delivery": _l("配信"),
    "outbox_mail": _l("送信メール"),
    "api_token": _l("APIトークン"),
    "direct_debit": _l("口座振替申込"),
    "staff": _l("職員"),
    "upload": _l("CSV取込"),
}

# The status filters of the delivery list (keys: queries.DELIVERY_FILTERS).
DELIVERY_FILTER = {
    "failed": _l("失敗"),
    "late": _l("遅延"),
    "missed": _l("期限切れ"),
    "pending": _l("送信待ち"),
}

# The alert mails of the delivery list, by mail kind (kodaira_app/mailer/kinds.py).
ALERT_MAIL_KIND = {
    "alert_start": _l("開始"),
    "alert_end": _l("終了"),
    "alert_helper": _l("協力者"),
    "alert_leak": _l("漏水"),
    "alert_town_delay": _l("町全体の遅延"),
}

ALERT_RULE = {
    "flow": _l("水が出続けています"),
    "idle": _l("長い時間、水が使われていません"),
    "nodata": _l("メーターのデータが届いていません"),
}
