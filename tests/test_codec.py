"""The codec directly, on bytes produced by the library's own transcoder, compressors and cipher."""

from __future__ import annotations

import bz2
import lzma
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.cipher import AESCipher
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.persistence import JSONTranscoder
from eventsourcing.utils import Environment
from storefactory import new_key

from inspector.core.codec import (
    Codec,
    cipher_key_from_env,
    parse_cipher_key,
    sniff_compression,
    unwrap_envelopes,
)
from inspector.core.cuts import is_cut
from inspector.core.errors import InspectorError


def transcoder() -> JSONTranscoder:
    t = JSONTranscoder()
    Application.register_transcodings(None, t)  # type: ignore[arg-type]  # uuid, Decimal, datetime
    return t


def cipher(key: str) -> AESCipher:
    return AESCipher(Environment(env={"CIPHER_KEY": key}))


STATE: dict[str, Any] = {
    "timestamp": datetime(2026, 11, 27, 3, 4, 5, 678901, tzinfo=UTC),
    "originator_topic": "mod:Dog",
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "amount": Decimal("10.50"),
    "name": "Grüße ☃",
    "nested": {"ids": [uuid.UUID(int=1)], "when": [datetime(2020, 1, 1, tzinfo=UTC)]},
    "n": 3,
}
EXPECTED = {
    "timestamp": "2026-11-27T03:04:05.678901+00:00",
    "originator_topic": "mod:Dog",
    "id": "12345678-1234-5678-1234-567812345678",
    "amount": "10.50",
    "name": "Grüße ☃",
    "nested": {"ids": [str(uuid.UUID(int=1))], "when": ["2020-01-01T00:00:00+00:00"]},
    "n": 3,
}


def test_plain_json_with_library_envelopes() -> None:
    blob = transcoder().encode(STATE)
    d = Codec().decode(blob)
    assert d.ok and d.data == EXPECTED
    assert (d.compression, d.encrypted, d.raw) == (None, False, blob)


@pytest.mark.parametrize(
    ("name", "compress"),
    [
        ("zlib", ZlibCompressor().compress),
        ("bz2", bz2.compress),
        ("lzma", lzma.compress),
    ],
)
def test_compressions(name: str, compress: Any) -> None:
    blob = compress(transcoder().encode(STATE))
    assert sniff_compression(blob) == name
    d = Codec().decode(blob)
    assert d.ok and d.data == EXPECTED and d.compression == name and not d.encrypted
    key = new_key()
    d = Codec(key).decode(cipher(key).encrypt(blob))  # compress, then encrypt (the library order)
    assert d.ok and d.data == EXPECTED and d.compression == name and d.encrypted


@pytest.mark.parametrize("size", [16, 24, 32])
def test_aes_with_a_key(size: int) -> None:
    key = AESCipher.create_key(size)
    blob = cipher(key).encrypt(transcoder().encode(STATE))
    d = Codec(key).decode(blob)
    assert d.ok and d.data == EXPECTED and d.encrypted and d.compression is None
    wrong = Codec(new_key()).decode(blob)
    assert wrong.data is None and "wrong cipher key" in wrong.error and wrong.raw == blob
    nokey = Codec().decode(blob)
    assert nokey.data is None and "--cipher-key" in nokey.error


def test_aes_blobs_that_start_with_a_brace() -> None:
    """About 1 in 256 AES-GCM blobs starts with '{' (random nonce): with a key, decrypt first."""
    key = new_key()
    c = cipher(key)
    plain = transcoder().encode(STATE)
    for _tries in range(20_000):
        blob = c.encrypt(plain)
        if blob[:1] == b"{":
            break
    else:  # pragma: no cover - probability about 1e-34
        raise AssertionError("no AES blob starting with '{' in 20,000 tries")
    d = Codec(key).decode(blob)
    assert d.ok and d.data == EXPECTED and d.encrypted
    # without the key it is (correctly) not JSON, and the message points to the key
    nokey = Codec().decode(blob)
    assert nokey.data is None and "--cipher-key" in nokey.error
    # with a wrong key: the message says the key may be wrong
    wrong = Codec(new_key()).decode(blob)
    assert wrong.data is None and "wrong cipher key" in wrong.error
    assert wrong.encrypted  # decryption failed and it is no plaintext: an encrypted blob
    # and a plain JSON event in a store read with a key still decodes (unencrypted store)
    assert Codec(key).decode(plain).data == EXPECTED


def test_aes_blob_that_sniffs_as_zlib_with_wrong_key() -> None:
    key = new_key()
    c = cipher(key)
    plain = transcoder().encode({"a": 1})
    for _tries in range(200_000):
        blob = c.encrypt(plain)
        if sniff_compression(blob) == "zlib":
            break
    else:  # pragma: no cover
        raise AssertionError("no AES blob sniffing as zlib")
    assert Codec(key).decode(blob).data == {"a": 1}
    wrong = Codec(new_key()).decode(blob)
    assert wrong.data is None and "wrong cipher key" in wrong.error
    assert wrong.encrypted


def test_nan_infinity_and_big_ints() -> None:
    state = {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"),
             "big": 2**80 + 1, "neg": -(2**70), "ok": 1.5}
    blob = transcoder().encode(state)
    assert b"NaN" in blob and b"Infinity" in blob
    d = Codec().decode(blob)
    assert d.ok
    assert d.data == {"nan": "NaN", "inf": "Infinity", "ninf": "-Infinity",
                      "big": 2**80 + 1, "neg": -(2**70), "ok": 1.5}
    d = Codec().decode(ZlibCompressor().compress(blob))
    assert d.data["big"] == 2**80 + 1


def test_unknown_envelopes_are_kept() -> None:
    blob = (
        b'{"email":{"_type_":"email_address_as_str","_data_":"a@b.c"},'
        b'"money":{"_type_":"money","_data_":{"amount":{"_type_":"decimal_str","_data_":"1.5"},'
        b'"currency":"EUR"}},'
        b'"not_env":{"_type_":"uuid_hex","_data_":"00","extra":1},'
        b'"bad_uuid":{"_type_":"uuid_hex","_data_":"zz"},'
        b'"odd_type":{"_type_":5,"_data_":[1]}}'
    )
    d = Codec().decode(blob)
    assert d.ok
    assert d.data == {
        "email": {"_type_": "email_address_as_str", "_data_": "a@b.c"},
        "money": {"_type_": "money", "_data_": {"amount": "1.5", "currency": "EUR"}},
        "not_env": {"_type_": "uuid_hex", "_data_": "00", "extra": 1},
        "bad_uuid": {"_type_": "uuid_hex", "_data_": "zz"},
        "odd_type": {"_type_": 5, "_data_": [1]},
    }
    assert unwrap_envelopes([{"_type_": "uuid_hex", "_data_": "0" * 32}]) == [str(uuid.UUID(int=0))]


def deepest(value: object) -> object:
    while isinstance(value, (list, dict)) and value and not is_cut(value):
        value = value[0] if isinstance(value, list) else next(iter(value.values()))
    return value


def test_error_values() -> None:
    c = Codec()
    cases = {
        b"": "empty payload (0 bytes)",  # said as it is: not "encrypted"
        b"\x01\x02 short": "too short to be encrypted",
        b"{\"a\": 1": "not JSON",
        b"{\"a\": \"\xff\"}": "not UTF-8",
        b"\x78\x9c garbage": "corrupt zlib",
        b"BZh9 garbage": "corrupt bz2",
        b"\xfd7zXZ\x00 garbage": "corrupt lzma",
    }
    for blob, needle in cases.items():
        d = c.decode(blob)
        assert d.data is None and needle in d.error, (blob[:20], d.error)
        assert d.raw == blob
    ok = c.decode(b'{"a":' + b"[" * 400 + b"]" * 400 + b"}")
    assert ok.ok
    # deeper than the codec keeps: cut with the one marker, never an error for the whole event
    for blob in (b"[" * 5000 + b"]" * 5000, b'{"a":' + b"[" * 600 + b"]" * 600 + b"}"):
        d = c.decode(blob)
        assert d.ok and is_cut(deepest(d.data)), deepest(d.data)
    assert c.decode(None).error == "empty payload (0 bytes)"
    assert c.decode(memoryview(b'{"a":1}')).data == {"a": 1}
    # JSON scalars are JSON: decoded as what they are, never "encrypted"
    for blob, value in ((b"42", 42), (b'"text"', "text"), (b"null", None), (b"true", True)):
        d = c.decode(blob)
        assert d.error is None and d.data == value and not d.encrypted, (blob, d)


def test_never_raises_on_random_bytes() -> None:
    rng = random.Random(1234)
    key = new_key()
    prefixes = [b"", b"{", b"\x78\x9c", b"BZh9", b"\xfd7zXZ\x00", b"["]
    for codec in (Codec(), Codec(key)):
        for _ in range(600):
            blob = rng.choice(prefixes) + rng.randbytes(rng.randrange(0, 80))
            d = codec.decode(blob)
            assert d.raw == blob
            assert (d.data is None) == (d.error is not None) or d.data is not None


def test_cipher_keys() -> None:
    key = new_key()
    assert len(parse_cipher_key(key)) == 32
    with pytest.raises(InspectorError, match="base64"):
        Codec("%%%")
    with pytest.raises(InspectorError, match="16, 24 or 32"):
        Codec("c2hvcnQ=")
    env = {"CIPHER_KEY": "a", "EVENT_INSPECTOR_CIPHER_KEY": "b"}
    assert cipher_key_from_env(env) == "b"
    assert cipher_key_from_env({"CIPHER_KEY": "a"}) == "a"
    assert cipher_key_from_env({}) is None
