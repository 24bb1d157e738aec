"""お支払い実績 and 料金のお支払い: bills and payments."""
