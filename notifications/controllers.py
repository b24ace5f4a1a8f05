"""The outbox for staff, the inbox for members: thin handlers over ``notifications.services``."""
