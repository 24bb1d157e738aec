"""トップ, the public pages and the language switch."""
