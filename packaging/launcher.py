"""PyInstaller entry point: the ``event-inspector`` console script (inspector.cli:main)."""

import sys

from inspector.cli import main

if __name__ == "__main__":
    sys.exit(main())
