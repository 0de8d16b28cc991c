"""Named like a standard-library module: must never shadow it."""
import pathlib

pathlib.Path(__file__).with_name("SHADOW-MARKER-csv").write_text("csv.py ran\n")
