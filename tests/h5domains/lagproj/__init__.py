"""Projections with topic filters, for the lag tests (imported only when a test picks one)."""
