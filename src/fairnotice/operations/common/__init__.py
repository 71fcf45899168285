"""Cross-cutting use-case helpers: the clock, link tokens, records, lists and shapes."""
