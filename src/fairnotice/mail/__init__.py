"""Mail adapter: MIME (mime.py, outgoing.py), SMTP (transport.py), IMAP (replies.py).

Nothing else: the outbox's SQL, send loop and delivery policy live in operations/outbox/."""
