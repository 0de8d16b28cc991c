"""A script beside the domain code, with no __main__ guard: importing it runs it. It leaves a
marker and appends to the store the environment names (as the library's README suggests)."""
import os
import pathlib

from h1shelf import Book, Library

pathlib.Path(__file__).with_name("IMPORTED-MARKER").write_text("load_sample_data ran\n")
if os.environ.get("SQLITE_DBNAME"):
    app = Library(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite"})
    for i in range(50):
        b = Book(f"extra {i}")
        b.lend()
        app.save(b)
