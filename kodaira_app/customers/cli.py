import click
from flask.cli import AppGroup

customers_cli = AppGroup("customers", help="The customer master (what the billing system knows).")


@customers_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Import customers from a CSV file (upsert by customer number)."""
    raise click.ClickException("not built yet")
