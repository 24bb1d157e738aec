from flask.cli import AppGroup

translate_cli = AppGroup("translate", help="Message catalogs (pybabel extract/update/compile).")
