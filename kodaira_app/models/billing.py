"""Bills and payments as the billing system knows them."""
