"""A candidate's plan: planned, kept, sent, followed up, reviewed; anonymous plans."""
