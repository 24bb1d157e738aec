"""Staff accounts of the console and the audit trail."""
