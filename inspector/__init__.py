"""Event History Inspector: browse, decode, replay and operate eventsourcing stores."""

__version__ = "0.1.0"
