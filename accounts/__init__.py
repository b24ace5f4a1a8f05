"""Who can log in: members, centre managers and head-office staff."""
