"""Customer master: what the billing system knows, imported from CSV."""
