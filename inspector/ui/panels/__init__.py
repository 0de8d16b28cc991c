"""Operator panels docked by the main window: snapshots and projections (issue 5)."""
