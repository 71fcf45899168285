"""Accounts, workspaces, passwords, sessions and the mail about an account."""
