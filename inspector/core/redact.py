"""Hide secrets in any text the inspector stores, shows, logs or prints.

:func:`redact` works on *any* string, not on parsed URLs: a URL that fails to parse
(``postgresql://user:PASSWORD@[::1/x``) is redacted the same way, by a conservative pattern on
``scheme://user:password@`` (everything from the colon after the user name to the LAST ``@`` of
the token is replaced by ``***``, so a password holding a raw ``@`` is hidden too), plus the
libpq keyword form (``password=...``) and query parameters (``?password=...``,
``sslpassword=...``). :func:`strip_password` removes the password from a location before it is
kept anywhere (settings, recent list, title) and returns it separately (for the keyring).

Shapes: ``redact(str) -> str`` (idempotent; text without secrets is returned unchanged).
"""

from __future__ import annotations

import re
import urllib.parse

MASK = "***"

# scheme://user:secret@  -- secret runs to the last '@' of the whitespace-free token.
_URL_AUTH = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@?#'\"]*:)(?P<secret>[^\s'\"]*)@"
)
# password=secret (libpq keyword/value), ?password=secret / &password=secret (URL query)
_KEYWORD = re.compile(
    r"(?P<head>\b(?:ssl)?(?:password|passwd|pwd|api[_-]?key)\s*=\s*)(?P<q>['\"]?)(?P<secret>[^\s&;'\",)]+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with every URL password and ``password=...`` value replaced by ``***``."""
    if not text:
        return text
    if "@" in text:
        text = _URL_AUTH.sub(lambda m: m.group("head") + MASK + "@", text)
    if "=" in text:
        text = _KEYWORD.sub(
            lambda m: m.group("head") + m.group("q")
            + (m.group("secret") if m.group("secret") == MASK else MASK),
            text,
        )
    return text


def has_secret(text: str) -> bool:
    """Whether :func:`redact` would change ``text``."""
    return redact(text) != text


def strip_password(location: str) -> tuple[str, str | None]:
    """``(location without its password, the password or None)``.

    For a URL that parses, the password is removed from the user info (and from a
    ``password=`` query parameter); for one that does not, the redacted text comes back and the
    password is the raw text between ``user:`` and the last ``@`` (it is never echoed).
    """
    loc = location.strip()
    if "://" not in loc:
        return loc, None
    m = _URL_AUTH.search(loc)
    password: str | None = None
    if m is not None:
        raw = m.group("secret")
        password = urllib.parse.unquote(raw) if raw else None
        loc = loc[: m.start("head")] + m.group("head")[:-1] + "@" + loc[m.end():]
    scheme, sep, rest = loc.partition("://")
    if "?" in rest:
        base, _, query = rest.partition("?")
        try:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        except ValueError:
            pairs = []
        kept = [(k, v) for k, v in pairs if k.lower() != "password"]
        dropped = [v for k, v in pairs if k.lower() == "password"]
        if dropped:
            password = password or dropped[-1]
            rest = base + ("?" + urllib.parse.urlencode(kept) if kept else "")
            loc = scheme + sep + rest
    return redact(loc), password
