"""Mail adapter: iMIP messages (mime.py); transport and outbox live beside it."""
