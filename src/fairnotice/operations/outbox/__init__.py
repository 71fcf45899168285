"""The outbox: rows enqueued in the change's transaction, delivered by workers."""
