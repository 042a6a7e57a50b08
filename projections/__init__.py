"""Read models built from the event log with SQLAlchemy (issue: read models)."""
