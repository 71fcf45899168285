"""A position filled: every remaining candidate told, in batches by the worker."""
