"""The demo store: a small shop written with the real eventsourcing library (``--demo``).

``ensure_demo_store()`` returns a :class:`DemoStore` (``location``, ``paths``, ``app_class``),
creating the store on first use in the user data directory. The domain model is
:mod:`inspector.demo.shop`; the tracked projection is :mod:`inspector.demo.projection`.
"""

from inspector.demo.store import APP_CLASS, DemoStore, demo_dir, ensure_demo_store

__all__ = ["APP_CLASS", "DemoStore", "demo_dir", "ensure_demo_store"]
