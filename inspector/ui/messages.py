"""Messages the core writes for the command line, said in the window's own terms.

The core's errors name command-line options (``give --cipher-key``); in the window the same
thing is a field of the Open dialog. :func:`for_gui` rewrites those references, and nothing else.
"""

from __future__ import annotations

import re

# Longest first: "--path/--app-class" before "--path", "--app-class" before "--app".
REPLACEMENTS = (
    (r"give --cipher-key, EVENT_INSPECTOR_CIPHER_KEY or CIPHER_KEY",
     "give the key in the Open dialog's Cipher key field"),
    (r"--path/--app-class", "the Open dialog's domain code path and Application class"),
    (r"--cipher-key", "the Open dialog's Cipher key field"),
    (r"--app-class(?: module:Class| MODULE:CLASS)?", "the Open dialog's Application class field"),
    (r"--path(?: DIR)?", "the Open dialog's domain code path"),
    (r"--schema(?: S)?", "the Open dialog's Schema field"),
    (r"--app(?: NAME)?\b", "the Open dialog's Application field"),
    (r"--password", "the Open dialog's Password field"),
)
_COMPILED = [(re.compile(p), r) for p, r in REPLACEMENTS]


def for_gui(text: str) -> str:
    """``text`` with command-line options replaced by the GUI places that set the same thing."""
    for pattern, repl in _COMPILED:
        text = pattern.sub(repl, text)
    return text
