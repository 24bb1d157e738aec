from flask.cli import AppGroup

billing_cli = AppGroup("billing", help="Billing periods and payments from the billing system.")
