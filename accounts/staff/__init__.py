"""Staff accounts: head office creates managers and staff, sets their roles and centres, disables them."""
