"""Named like a standard-library module: must never shadow it."""
import pathlib

pathlib.Path(__file__).with_name("SHADOW-MARKER-lzma").write_text("lzma.py ran\n")
