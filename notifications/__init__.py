"""Messages to members (and staff) through a transactional outbox: a row written in the transaction of
what it tells, delivered afterwards by one sender (``notifications.delivery``) by mail or SMS."""
