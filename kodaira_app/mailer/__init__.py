"""Mail: outbox rows rendered in the recipient's language, sent by jobs over SMTP."""
