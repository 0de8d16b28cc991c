"""Decode stored event state: decrypt (AES-GCM), decompress (sniffed), parse JSON, unwrap envelopes.

The codec never raises. A payload it cannot decode becomes a :class:`Decoded` whose ``error``
says what failed (no key, wrong key, corrupt compression, not UTF-8, not JSON, too deep) and which
still carries the raw bytes, so a viewer can show them.

Byte layout (reference/eventsourcing-storage.md section 3): write = JSON -> compress -> encrypt, so
read = decrypt -> decompress (zlib, gzip, bz2, lzma: sniffed) -> JSON. AES-GCM blobs are
``nonce(12) || tag(16) || ciphertext``.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import json
import lzma
import os
import re
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from inspector.core.cuts import cut
from inspector.core.errors import InspectorError
from inspector.core.normalise import MAX_DEPTH, depth_reason

KEY_ENV_VARS = ("EVENT_INSPECTOR_CIPHER_KEY", "CIPHER_KEY")

_LZMA_MAGIC = b"\xfd7zXZ\x00"
_BZ2_MAGIC = b"BZh"
_GZIP_MAGIC = b"\x1f\x8b\x08"

DEFAULT_MAX_PAYLOAD_MB = 64
"""``--max-payload``: the most bytes one event may take after decompression (and decryption)."""


@dataclass(slots=True)
class Decoded:
    """The result of decoding one state blob."""

    data: Any
    error: str | None
    compression: str | None
    encrypted: bool
    raw: bytes

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_cipher_key(key: str) -> bytes:
    """Raw AES key bytes from the base64 text the library uses; InspectorError if unusable."""
    try:
        raw = base64.b64decode(key.strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise InspectorError(f"cipher key is not valid base64: {exc}") from None
    if len(raw) not in (16, 24, 32):
        raise InspectorError(
            f"cipher key decodes to {len(raw)} bytes;"
            " AES needs 16, 24 or 32 (base64 of the raw key)"
        )
    return raw


def cipher_key_from_env(environ: dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    for name in KEY_ENV_VARS:
        if env.get(name):
            return env[name]
    return None


def sniff_compression(blob: bytes) -> str | None:
    """'zlib', 'gzip', 'bz2', 'lzma' or None, from the first bytes.

    gzip: the library accepts any module with ``compress``/``decompress`` as its
    ``COMPRESSOR_TOPIC`` (its docs use ``gzip``); its blobs start with the gzip magic 1f 8b 08.
    """
    if len(blob) >= 2 and blob[0] == 0x78 and ((blob[0] << 8) | blob[1]) % 31 == 0:
        return "zlib"
    if blob.startswith(_GZIP_MAGIC):
        return "gzip"
    if blob.startswith(_BZ2_MAGIC) and len(blob) > 3 and blob[3:4].isdigit():
        return "bz2"
    if blob.startswith(_LZMA_MAGIC):
        return "lzma"
    return None


def _looks_like_json(blob: bytes) -> bool:
    return blob[:1] in (b"{", b"[")


class PayloadTooLarge(ValueError):
    """A payload that decompresses (or decrypts) to more than the ``--max-payload`` cap."""

    def __init__(self, cap: int) -> None:
        super().__init__(too_large_reason(cap))
        self.cap = cap


def too_large_reason(cap: int) -> str:
    """The marker's reason for a payload over ``cap`` bytes."""
    mb = cap / (1024 * 1024)
    return f"payload larger than {mb:g} MB after decompression"


def _decompress(kind: str, blob: bytes, cap: int) -> bytes:
    """Decompress ``blob`` incrementally, never producing more than ``cap`` bytes.

    zlib/gzip/bz2/lzma decompressor objects with ``max_length``: the output is bounded before
    the memory is spent. PayloadTooLarge past the cap; zlib.error/OSError/EOFError/LZMAError on
    corrupt data, as the one-shot functions raise.
    """
    if kind in ("zlib", "gzip"):
        z = zlib.decompressobj(31 if kind == "gzip" else 15)
        out = z.decompress(blob, cap + 1)
        if len(out) > cap:
            raise PayloadTooLarge(cap)
        if not z.eof:
            if z.unconsumed_tail:  # pragma: no cover - max_length not reached yet: impossible
                raise PayloadTooLarge(cap)
            raise zlib.error("incomplete or truncated stream")
        return out
    dec: Any = bz2.BZ2Decompressor() if kind == "bz2" else lzma.LZMADecompressor()
    out = dec.decompress(blob, cap + 1)
    if len(out) > cap:
        raise PayloadTooLarge(cap)
    if not dec.eof:
        if not dec.needs_input:
            raise PayloadTooLarge(cap)
        raise EOFError("compressed data ended before the end-of-stream marker")
    return out


def _keep_constant(name: str) -> str:
    return name  # NaN / Infinity / -Infinity become the strings of the normalisation rule


# Digits -> "0", everything else -> " ": a run of 19 zeros then means an integer orjson may
# not hold exactly (it parses integers beyond the 64-bit range as floats).
_DIGITS = DIGITS_TABLE = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))
_LONG_RUN = LONG_DIGIT_RUN = b"0" * 19


def _inexact(text: bytes) -> orjson.JSONDecodeError:
    return orjson.JSONDecodeError("needs the exact parser", "", 0)


def loads_fast(text: bytes) -> Any:
    """``orjson.loads`` where its result is exact; else raises ``orjson.JSONDecodeError``.

    orjson turns integers beyond 64 bits into floats and accepts 1024 levels of nesting; a text
    with a run of 19+ digits, or nested deeper than ``MAX_JSON_DEPTH``, is refused here so the
    caller takes its exact (slow) path: :meth:`Codec.decode` or the application's transcoder.
    """
    if len(text) > 18 and _LONG_RUN in text.translate(_DIGITS):
        raise _inexact(text)
    data = orjson.loads(text)
    if too_deep_text(text, data):
        raise _inexact(text)
    return data


def too_deep_text(text: bytes, data: Any) -> bool:
    """Whether ``data`` (parsed from ``text``) nests deeper than ``MAX_JSON_DEPTH``; the text's
    length and bracket count rule most payloads out at C speed."""
    return (
        len(text) > 2 * MAX_JSON_DEPTH  # deeper needs at least two bytes a level
        and text.count(b"[") + text.count(b"{") > MAX_JSON_DEPTH
        and _too_deep(data)
    )


def parse_json(text: bytes) -> Any:
    """Parse JSON as the library writes it: integers exact at any size, NaN/Infinity as the
    strings of the normalisation rule, nesting past ``MAX_JSON_DEPTH`` cut with the marker.
    Raises ValueError (not JSON) or UnicodeDecodeError."""
    try:
        return loads_fast(text)
    except orjson.JSONDecodeError:
        pass
    return _exact_loads(text.decode("utf-8"))


def _hex_uuid(data: Any) -> Any:
    try:
        return str(uuid.UUID(hex=data))
    except (ValueError, TypeError, AttributeError):
        return {"_type_": "uuid_hex", "_data_": data}


# The library's own transcodings (Application.register_transcodings) -> normalised value.
KNOWN_ENVELOPES: dict[str, Callable[[Any], Any]] = {
    "uuid_hex": _hex_uuid,
    "decimal_str": lambda d: d,
    "datetime_iso": lambda d: d,
}


_IDENTITY_ENVELOPES = frozenset({"decimal_str", "datetime_iso"})  # their _data_ is the value


def _unwrap_one(env: dict[str, Any]) -> Any:
    """The value of one ``{"_type_", "_data_"}`` envelope (unknown kinds stay envelopes)."""
    data = env["_data_"]
    td = type(data)
    if td is dict or td is list:
        data = unwrap_envelopes(data)
    kind = env["_type_"]
    if kind in _IDENTITY_ENVELOPES:
        return data
    fn = KNOWN_ENVELOPES.get(kind) if isinstance(kind, str) else None
    if fn is None:
        return {"_type_": kind, "_data_": data}
    return fn(data)


def unwrap_envelopes(value: Any) -> Any:
    """Replace ``{"_type_", "_data_"}`` envelopes of the library's transcodings by their value.

    Unknown envelopes stay as they are. Only dicts with exactly those two keys are envelopes.
    Works in place on freshly parsed JSON (dicts and lists are reused, not copied).
    """
    t = type(value)
    if t is dict:
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return _unwrap_one(value)
        for k, v in value.items():
            tv = type(v)
            if tv is dict:
                if len(v) == 2 and "_type_" in v and "_data_" in v:
                    value[k] = _unwrap_one(v)
                else:
                    unwrap_envelopes(v)
            elif tv is list:
                unwrap_envelopes(v)
        return value
    if t is list:
        for i, v in enumerate(value):
            tv = type(v)
            if tv is dict or tv is list:
                value[i] = unwrap_envelopes(v)
        return value
    return value


class _NoInvalidTag(Exception):
    pass


try:
    from cryptography.exceptions import InvalidTag as _InvalidTag
except ImportError:  # pragma: no cover - cryptography is a dependency
    _InvalidTag = _NoInvalidTag  # type: ignore[assignment,misc]


def _aesgcm(key: bytes | None) -> Any:
    """``cryptography``'s AESGCM for ``key``, or False (then pycryptodome decrypts)."""
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(key)
    except (ImportError, ValueError, TypeError):
        return False


class Codec:
    """Generic decoder for state blobs. Thread-safe; holds only the key."""

    def __init__(
        self,
        cipher_key: str | None = None,
        payload_format: str = "json",
        max_payload_mb: float | None = None,
    ) -> None:
        self.cipher_key_text = cipher_key
        self._key = parse_cipher_key(cipher_key) if cipher_key else None
        self._aead: Any = None  # the AES-GCM backend, made on first use (False: none)
        # "json" (the library's transcoder) or "msgpack" (DCB payloads): the store's own
        # ``payload_format``, set by whoever opens the store (see :meth:`for_store`).
        self.payload_format = payload_format
        mb = DEFAULT_MAX_PAYLOAD_MB if max_payload_mb is None else max_payload_mb
        if not mb > 0:
            raise InspectorError(f"--max-payload must be a positive number of MB (got {mb})")
        self.max_payload = int(mb * 1024 * 1024)  # bytes

    def for_store(self, store: Any) -> Codec:
        """This codec set to the payload format of ``store`` (returns itself)."""
        self.payload_format = getattr(store, "payload_format", "json") or "json"
        return self

    @property
    def has_key(self) -> bool:
        return self._key is not None

    def decrypt(self, blob: bytes) -> bytes:
        """AES-GCM decrypt; raises ValueError with a readable reason.

        Same layout and checks as the library's ``AESCipher.decrypt`` (``nonce(12) || tag(16)
        || ciphertext``, no associated data): through the ``cryptography`` package's AESGCM
        (about 40x faster per event than pycryptodome here), with pycryptodome as the fallback.
        """
        if len(blob) < 28:
            raise ValueError(f"too short to be AES-GCM ({len(blob)} bytes)")
        aead = self._aead
        if aead is None:
            aead = self._aead = _aesgcm(self._key)
        if aead is not False:
            try:
                return aead.decrypt(blob[:12], blob[28:] + blob[12:28], None)
            except _InvalidTag:
                raise ValueError("MAC check failed") from None
        from Crypto.Cipher import AES  # pycryptodome, the library's own cipher backend

        nonce, tag, body = blob[:12], blob[12:28], blob[28:]
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
        return cipher.decrypt_and_verify(body, tag)

    def plaintext(self, blob: bytes) -> tuple[bytes | None, str | None, str | None, bool]:
        """(JSON bytes or None, error, compression, encrypted)."""
        encrypted = False
        hint = ""
        if len(blob) > self.max_payload:
            return None, too_large_reason(self.max_payload), sniff_compression(blob), False
        if self._key is not None:
            # Try decryption first: about 1 in 256 AES blobs starts with '{' (random nonce).
            try:
                blob = self.decrypt(blob)
                encrypted = True
            except ValueError as exc:
                if not (_looks_like_json(blob) or sniff_compression(blob)):
                    return None, f"wrong cipher key or damaged ciphertext ({exc})", None, True
                hint = f" (or a wrong cipher key: decryption failed: {exc})"
        kind = sniff_compression(blob)
        if kind is not None:
            try:
                blob = _decompress(kind, blob, self.max_payload)
            except PayloadTooLarge as exc:
                return None, str(exc), kind, encrypted
            except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as exc:
                if self._key is None:
                    hint = " (if the store is encrypted, give --cipher-key)"
                # with a key that failed to decrypt, a blob that is no plaintext is encrypted
                return None, f"corrupt {kind} data: {exc}{hint}", kind, self._key is not None
        elif not _looks_like_json(blob) and self._key is None:
            return _not_json(blob)
        return blob, None, kind, encrypted

    def decode(self, state: bytes | bytearray | memoryview | None) -> Decoded:
        """Decode one stored ``state`` blob. Never raises.

        A payload over ``max_payload`` bytes (after decompression/decryption) gives ``data`` =
        the cut marker and ``error`` = its reason; JSON nested deeper than ``MAX_JSON_DEPTH`` is
        kept to that depth and the rest cut with the marker (``error`` stays None).
        """
        if state is None or not state:
            return Decoded(None, "empty payload (0 bytes)", None, False, b"")
        raw = state if type(state) is bytes else bytes(state)
        if self.payload_format == "msgpack":
            if len(raw) > self.max_payload:
                reason = too_large_reason(self.max_payload)
                return Decoded(cut(reason, self.max_payload), reason, None, False, raw)
            return decode_msgpack(raw)
        try:
            if self._key is None and raw.startswith(b"{") and len(raw) <= self.max_payload:
                text: bytes | None = raw  # the common case: plain JSON
                error, kind, encrypted = None, None, False
            else:
                text, error, kind, encrypted = self.plaintext(raw)
            if text is None:
                if error is not None and error.startswith("payload larger than"):
                    return Decoded(cut(error, self.max_payload), error, kind, encrypted, raw)
                return Decoded(None, error, kind, encrypted, raw)
            try:
                data = loads_fast(text)
            except orjson.JSONDecodeError:
                data, error = _parse_slow(text, self._key is None and not encrypted and not kind)
                if error is not None:
                    if not encrypted and self._key is not None:
                        # decryption failed and it is no plaintext either: an encrypted blob
                        error += " (or a wrong cipher key: decryption failed)"
                        encrypted = True
                    return Decoded(None, error, kind, encrypted, raw)
            if b'"_type_"' in text:
                data = unwrap_envelopes(data)
            return Decoded(data, None, kind, encrypted, raw)
        except Exception as exc:  # the codec never raises: anything unforeseen becomes data
            return Decoded(None, f"decode failed: {type(exc).__name__}: {exc}", None, False, raw)


_UNPACK: Any = None


def decode_msgpack(raw: bytes) -> Decoded:
    """A DCB payload: one msgpack value (as ``msgspec.msgpack.encode`` writes a decision: a map
    of its fields; timestamps as msgpack's timestamp extension, read back as UTC datetimes).
    Anything else (truncated, trailing bytes, not msgpack) is an error value. Never raises."""
    global _UNPACK
    import msgpack

    if _UNPACK is None:
        import functools

        _UNPACK = functools.partial(msgpack.unpackb, raw=False, timestamp=3,
                                    strict_map_key=False)
    try:
        return Decoded(_UNPACK(raw), None, None, False, raw)
    except msgpack.ExtraData as exc:
        return Decoded(None, f"not msgpack ({len(exc.extra)} bytes after the first value)",
                       None, False, raw)
    except (ValueError, msgpack.UnpackException) as exc:
        text = str(exc)
        if "incomplete" in text.lower():
            reason = "truncated"
        elif "exceeds max_" in text:  # a length prefix longer than the bytes left
            reason = f"truncated or damaged: {text}"
        else:
            reason = text or type(exc).__name__
        return Decoded(None, f"not msgpack ({reason})", None, False, raw)
    except Exception as exc:  # noqa: BLE001 - the codec never raises
        return Decoded(None, f"not msgpack ({type(exc).__name__}: {exc})", None, False, raw)


MAX_JSON_DEPTH = MAX_DEPTH
"""Decoded JSON is kept whole to this many levels; deeper values are cut with the marker."""


def _too_deep(data: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether containers nest deeper than ``limit`` (iterative: no recursion)."""
    if type(data) is not dict and type(data) is not list:
        return False
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if type(value) is dict else value
        stack.extend((c, depth + 1) for c in children if type(c) is dict or type(c) is list)
    return False


# JSON strings (with escapes) and brackets: enough to follow nesting without parsing.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def cut_deep_text(text: str, limit: int = MAX_JSON_DEPTH) -> str:
    """``text`` with every value that opens below level ``limit`` replaced by the cut marker.

    Iterative (a regex over strings and brackets), so any depth is handled; the marker's
    ``size`` is the deepest level the cut value reached.
    """
    marker_at = limit + 1
    depth = 0
    pieces: list[str] = []
    last = 0
    start = -1
    deepest = 0
    for m in _TOKENS.finditer(text):
        tok = m.group()
        c = tok[0]
        if c == '"':
            continue
        if c in "[{":
            depth += 1
            if depth == marker_at and start < 0:
                start = m.start()
                deepest = depth
            elif start >= 0 and depth > deepest:
                deepest = depth
        else:
            if start >= 0 and depth == marker_at:
                pieces.append(text[last:start])
                pieces.append(orjson.dumps(cut(depth_reason(limit), deepest)).decode())
                last = m.end()
                start = -1
            depth -= 1
    if start >= 0:  # unbalanced: leave it to the parser to report
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _exact_loads(s: str) -> Any:
    """The standard library's parser (exact integers, NaN/Infinity as strings), cutting
    nesting past ``MAX_JSON_DEPTH`` first. Raises ValueError when ``s`` is not JSON."""
    if s.count("[") + s.count("{") > MAX_JSON_DEPTH:
        s = cut_deep_text(s)
    try:
        return json.loads(s, parse_constant=_keep_constant)
    except RecursionError:  # pragma: no cover - cut_deep_text leaves at most MAX_JSON_DEPTH + 1
        raise ValueError(depth_reason()) from None


def _parse_slow(text: bytes, maybe_encrypted: bool) -> tuple[Any, str | None]:
    """What orjson refused (NaN/Infinity, integers beyond 64 bits, deep nesting) or an error."""
    hint = "; if the store is encrypted, give --cipher-key" if maybe_encrypted else ""
    try:
        s = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 ({exc}){hint}"
    try:
        return _exact_loads(s), None
    except ValueError as exc:
        return None, f"not JSON ({exc}){hint}"


_SCALAR_START = frozenset(b'-0123456789"tfn')


def _not_json(blob: bytes) -> tuple[bytes | None, str | None, str | None, bool]:
    """What a payload that is neither a JSON object/array nor compressed is (no key given).

    Empty (or NULL): said so. A JSON scalar (``42``, ``"text"``, ``null``): decoded as what it
    is. Shorter than AES-GCM's 28 bytes of nonce and tag: not encrypted, damaged or unknown.
    Anything else cannot be told from ciphertext without the key: encrypted or damaged.
    """
    if not blob:
        return None, "empty payload (0 bytes)", None, False
    head = blob.lstrip()[:1]
    if head and head[0] in _SCALAR_START:
        try:
            orjson.loads(blob)
            return blob, None, None, False
        except orjson.JSONDecodeError:
            pass
    if len(blob) < 28:
        return None, (f"not JSON, not compressed, and too short to be encrypted ({len(blob)} "
                      f"bytes): damaged or in an unknown format"), None, False
    return None, _no_key_message(), None, True


def _no_key_message() -> str:
    return (
        "not JSON or a known compression: encrypted and no cipher key (give --cipher-key,"
        " EVENT_INSPECTOR_CIPHER_KEY or CIPHER_KEY), or damaged"
    )
