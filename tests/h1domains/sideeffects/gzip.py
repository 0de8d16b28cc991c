"""Named like a standard-library module: must never shadow it."""
import pathlib

pathlib.Path(__file__).with_name("SHADOW-MARKER-gzip").write_text("gzip.py ran\n")
