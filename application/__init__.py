"""The application service: loads aggregates, lets them decide, saves what they decided.

Between the domain (which decides and does no I/O) and the log: ``CareerFlow``
(``service.py``) is one eventsourcing ``Application`` made of one part per job —
the command path (``command_path.py``), cycles (``cycle_runs.py``), roster imports
(``roster_imports.py``) and the audit trail (``history.py``) — over the storage
they share (``aggregate_access.py``).
"""
