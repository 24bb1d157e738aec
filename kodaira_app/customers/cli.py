import click
from flask.cli import AppGroup

from kodaira_app.csvimport import import_csv_file

customers_cli = AppGroup("customers", help="The customer master (what the billing system knows).")


@customers_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Import customers from a CSV file (upsert by customer number).

    Header: customer_number,name_kana,name,address,meter_id,smart_meter (UTF-8, BOM or
    not). Good rows are imported; each bad row is reported, and the exit status is 1.
    """
    from kodaira_app.customers.importer import import_customers

    import_csv_file(path, import_customers)
