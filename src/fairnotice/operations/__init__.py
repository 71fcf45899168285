"""Use cases, one transaction each: where the pure core meets the clock, files and database.

One package per feature (interviews, offers, positions, plans, busy, outbox, replies,
accounts, overview), each with the same file roles where they apply: `commands.py` changes,
`queries.py` fast reads, further modules named for what they do; `common/` holds what
every feature uses (the clock, link tokens, scoped records, lists, shapes).
"""
