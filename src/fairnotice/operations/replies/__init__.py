"""Replies: matched to what was sent, their proposed times read and checked."""
