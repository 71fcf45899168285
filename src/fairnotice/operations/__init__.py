"""Use cases: where the pure core meets the clock, files and (later) the database."""
