"""各種お手続き: the menu of procedures and the account procedures."""
