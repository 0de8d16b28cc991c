"""Projection fixtures for the inspector's operations tests."""
