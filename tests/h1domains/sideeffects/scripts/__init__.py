import pathlib

pathlib.Path(__file__).parent.with_name("PACKAGE-MARKER").write_text("scripts package ran\n")
