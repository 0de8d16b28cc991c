"""Run the CLI in process and capture (exit code, stdout, stderr)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass
from typing import Any

from inspector.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class _Stdout(io.StringIO):
    """A text stream with a ``buffer`` (the CLI writes JSON bytes there)."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = io.BytesIO()

    def text(self) -> str:
        return self.buffer.getvalue().decode("utf-8") + self.getvalue()


def run_cli(*argv: str, stdin: str = "") -> Result:
    out, err = _Stdout(), io.StringIO()
    old_in = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        sys.stdin = old_in
    return Result(code, out.text(), err.getvalue())
