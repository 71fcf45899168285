"""Persistence: SQLAlchemy 2 tables, sessions, Alembic migrations (SQLite or PostgreSQL)."""
