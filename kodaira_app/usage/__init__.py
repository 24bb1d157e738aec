"""ご利用実績: usage history."""
