from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="The demo town for development.")


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo town and print the demo login."""
