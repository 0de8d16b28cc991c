"""PyInstaller entry point: the ``event-inspector`` console script (inspector.cli:main)."""

import multiprocessing
import sys

from inspector.cli import main

if __name__ == "__main__":
    # ``check --jobs N`` (and the Health panel) start worker processes with "spawn": in a
    # frozen bundle the child is this executable, which must run the worker, not the app.
    multiprocessing.freeze_support()
    sys.exit(main())
