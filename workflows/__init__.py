"""Temporal workflows that own time: deadlines, reminders, escalations (issue: workflows)."""
