from flask.cli import AppGroup

api_token_cli = AppGroup("api-token", help="Bearer tokens of the meter head-end.")
