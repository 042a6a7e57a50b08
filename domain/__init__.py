"""The career-development domain: aggregates, value objects, rules, commands and step records.

Pure Python plus pydantic and eventsourcing's aggregate base; no I/O framework is
imported here (no temporalio, sqlalchemy, fastapi or psycopg), and nothing here
loads or saves: that is the ``application`` package's job.
"""
