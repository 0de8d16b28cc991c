"""eventsourcing-sqlalchemy applications whose tables have names of their own choosing."""
