from flask.cli import AppGroup

readings_cli = AppGroup("readings", help="Meter readings (hourly litres per meter).")
