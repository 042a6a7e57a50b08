"""The career-development domain: aggregates, value objects, rules and the application service.

Pure Python plus pydantic and eventsourcing; no I/O framework is imported here
(no temporalio, sqlalchemy, fastapi or psycopg). Persistence is chosen by the
environment handed to :class:`domain.application.CareerFlow`.
"""
