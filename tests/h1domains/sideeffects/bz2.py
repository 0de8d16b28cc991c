"""Named like a standard-library module: must never shadow it."""
import pathlib

pathlib.Path(__file__).with_name("SHADOW-MARKER-bz2").write_text("bz2.py ran\n")
