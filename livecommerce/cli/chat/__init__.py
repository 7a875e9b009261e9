"""The terminal chat client (`livecommerce chat`)."""
