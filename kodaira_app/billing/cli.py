import click
from flask.cli import AppGroup

from kodaira_app.billing.importer import import_billing
from kodaira_app.csvimport import import_csv_file

billing_cli = AppGroup("billing", help="Billing periods and payments from the billing system.")


@billing_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Import bills from a CSV file (upsert by customer number and period start).

    Header: customer_number,period_start,period_end,reading_date,meter_reading,usage_m3,
    water_charge,sewer_charge,tax,total,due_date,paid_on,payment_method (UTF-8, BOM or
    not). Good rows are imported; each bad row is reported, and the exit status is 1.
    """
    import_csv_file(path, import_billing)
