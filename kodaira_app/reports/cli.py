from flask.cli import AppGroup

reports_cli = AppGroup("reports", help="見守り reports: run the tick, inspect deliveries.")
