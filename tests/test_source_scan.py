"""Finding classes by reading source (inspector.core.source_scan): bases through imports,
relative imports, re-exports and aliases; abstract classes; nothing imported."""

from __future__ import annotations

import sys
from pathlib import Path

from inspector.core.projection_defs import discover_projections
from inspector.core.source_scan import SourceIndex

FILES = {
    "pkg/__init__.py": "from .views import CountsView as CountsView\nraise SystemExit('ran')\n",
    "pkg/views.py": (
        "from abc import abstractmethod\n"
        "import eventsourcing.persistence as P\n"
        "class CountsView(P.TrackingRecorder):\n"
        "    @abstractmethod\n"
        "    def incr(self) -> None: ...\n"
    ),
    "pkg/proj.py": (
        "from eventsourcing.projection import Projection as Base\n"
        "from . import CountsView\n"
        "raise SystemExit('ran')\n"
        "class Counts(Base[CountsView]):\n"
        "    def process_event(self, e, t): ...\n"
        "class Half(Base[CountsView]):\n"
        "    pass\n"
    ),
    "pkg/sub/__init__.py": "",
    "pkg/sub/impl.py": (
        "from ..views import CountsView\n"
        "from eventsourcing.sqlite import SQLiteTrackingRecorder\n"
        "if True:\n"
        "    from eventsourcing.postgres import PostgresTrackingRecorder as PG\n"
        "class SqliteCounts(CountsView, SQLiteTrackingRecorder):\n"
        "    def incr(self) -> None: ...\n"
        "class PgCounts(CountsView, PG):\n"
        "    def incr(self) -> None: ...\n"
        "class PgHalf(CountsView, PG):\n"
        "    pass\n"
    ),
    "broken.py": "def (:\n",
    "app.py": (
        "import eventsourcing.application\n"
        "class Shop(eventsourcing.application.Application):\n"
        "    class Order: ...\n"
    ),
}


def _write(root: Path) -> None:
    for rel, text in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def test_bases_are_followed_through_imports_without_importing(tmp_path) -> None:
    from eventsourcing.application import Application
    from eventsourcing.projection import Projection

    _write(tmp_path)
    index = SourceIndex([tmp_path])
    assert any(p.startswith("broken") for p in index.problems)
    assert [c.spec for c in index.subclasses_of(Projection)] == ["pkg.proj:Counts",
                                                                  "pkg.proj:Half"]
    assert [c.spec for c in index.subclasses_of(Projection, concrete=True)] == ["pkg.proj:Counts"]
    assert [c.spec for c in index.subclasses_of(Application)] == ["app:Shop"]
    assert [c.spec for c in index.named("Order")] == ["app:Shop.Order"]
    for kind, view in (("sqlite", "pkg.sub.impl:SqliteCounts"),
                       ("postgres", "pkg.sub.impl:PgCounts")):
        defs, _ = discover_projections([str(tmp_path)], kind)
        [d] = defs
        assert (d.name, d.spec, d.view) == ("Counts", "pkg.proj:Counts", view)
        assert d.topics == () and d.to_json()["view_type"] == "CountsView"
    assert not any(m == "pkg" or m.startswith(("pkg.", "app", "broken")) for m in sys.modules)
