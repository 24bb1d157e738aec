"""見守り reports: the tick that evaluates windows and the mails it sends."""
