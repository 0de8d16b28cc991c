"""Applications that configure their own transcoder, mapper or compressor (issue 8 §2).

* ``OrjsonNotes``: ``TRANSCODER_TOPIC`` names a ``Transcoder`` with only ``encode``/``decode``
  (orjson), as the library's docs show.
* ``MsgpackNotes``: a transcoder whose bytes are not JSON text at all (msgpack).
* ``MoneyShop``: the stock ``JSONTranscoder`` plus a custom transcoding (``Money``).
* ``GzipNotes``: ``COMPRESSOR_TOPIC = "gzip"`` (a module, as the library's docs use).
* ``RawDeflateNotes``: a ``Compressor`` whose output has no magic bytes (raw deflate).
* ``PydanticShelf``: a pydantic mapper (``MAPPER_TOPIC``-style ``construct_mapper``) with an
  orjson transcoder, pydantic events and a pydantic snapshot, as the library's examples do.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgpack
import orjson
from eventsourcing.application import Application
from eventsourcing.domain import (
    Aggregate,
    CanInitAggregate,
    CanMutateAggregate,
    CanSnapshotAggregate,
    event,
)
from eventsourcing.persistence import (
    Compressor,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoder,
    Transcoding,
)
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel, ConfigDict


# -- transcoders and compressors ---------------------------------------------------------------
class OrjsonTranscoder(Transcoder):
    """Only encode/decode, as in the library's docs."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


def _msgpack_default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, (UUID, Decimal)):
        return str(obj)
    raise TypeError(type(obj))


class MsgpackTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return msgpack.packb(obj, default=_msgpack_default)

    def decode(self, data: bytes) -> Any:
        return msgpack.unpackb(data)


class RawDeflate(Compressor):
    """zlib's deflate without its header: nothing to sniff."""

    def compress(self, data: bytes) -> bytes:
        c = zlib.compressobj(wbits=-15)
        return c.compress(data) + c.flush()

    def decompress(self, data: bytes) -> bytes:
        return zlib.decompress(data, wbits=-15)


class Money:
    def __init__(self, amount: Decimal, currency: str) -> None:
        self.amount = amount
        self.currency = currency

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and (self.amount, self.currency) == (
            other.amount, other.currency)

    __hash__ = None  # type: ignore[assignment]


class MoneyAsDict(Transcoding):
    type = Money
    name = "money"

    def encode(self, obj: Money) -> dict[str, Any]:
        return {"amount": obj.amount, "currency": obj.currency}

    def decode(self, data: dict[str, Any]) -> Money:
        return Money(data["amount"], data["currency"])


# -- a declarative aggregate shared by the note apps ------------------------------------------
class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text
        self.edits = 0

    @event("Edited")
    def edit(self, text: str) -> None:
        self.text = text
        self.edits += 1


class OrjsonNotes(Application):
    env = {"TRANSCODER_TOPIC": "codecs_h1:OrjsonTranscoder"}
    snapshotting_intervals = {Note: 3}


class MsgpackNotes(Application):
    env = {"TRANSCODER_TOPIC": "codecs_h1:MsgpackTranscoder"}
    snapshotting_intervals = {Note: 3}


class GzipNotes(Application):
    env = {"COMPRESSOR_TOPIC": "gzip"}
    snapshotting_intervals = {Note: 3}


class RawDeflateNotes(Application):
    env = {"COMPRESSOR_TOPIC": "codecs_h1:RawDeflate"}
    snapshotting_intervals = {Note: 3}


# -- a custom transcoding on the stock transcoder ---------------------------------------------
class Till(Aggregate):
    @event("Opened")
    def __init__(self, float_: Money) -> None:
        self.cash = float_
        self.sales: list[Money] = []

    @event("Sold")
    def sell(self, price: Money) -> None:
        self.sales.append(price)
        self.cash = Money(self.cash.amount + price.amount, self.cash.currency)

    @event("Counted")
    def count(self, cash: Money) -> None:  # a state of constant size (benchmarks)
        self.cash = cash


class MoneyShop(Application):
    snapshotting_intervals = {Till: 3}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(MoneyAsDict())


# -- pydantic events, pydantic mapper, orjson transcoder --------------------------------------
class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    originator_id: UUID
    originator_version: int
    timestamp: datetime


class PydanticAggregate(Aggregate):
    class Event(DomainEvent, CanMutateAggregate):
        pass

    class Created(Event, CanInitAggregate):
        originator_topic: str


class SnapshotState(BaseModel):
    model_config = ConfigDict(extra="allow")


class AggregateSnapshot(DomainEvent, CanSnapshotAggregate):
    topic: str
    state: SnapshotState


class Trick(BaseModel):
    name: str


class DogState(SnapshotState):
    name: str
    tricks: list[Trick]


class Dog(PydanticAggregate):
    class Snapshot(AggregateSnapshot):
        state: DogState

    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name
        self.tricks: list[Trick] = []

    @event("TrickAdded")
    def add_trick(self, trick: Trick) -> None:
        self.tricks.append(trick)

    @event("Renamed")
    def rename(self, name: str) -> None:  # a state of constant size (benchmarks)
        self.name = name


class PydanticMapper(Mapper):
    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        topic = get_topic(domain_event.__class__)
        stored_state = self.transcoder.encode(domain_event.model_dump(mode="json"))
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=stored_state,
        )

    def to_domain_event(self, stored: StoredEvent) -> Any:
        stored_state = stored.state
        if self.cipher:
            stored_state = self.cipher.decrypt(stored_state)
        if self.compressor:
            stored_state = self.compressor.decompress(stored_state)
        event_state: dict[str, Any] = self.transcoder.decode(stored_state)
        cls = resolve_topic(stored.topic)
        return cls(**event_state)


class PydanticShelf(Application):
    snapshotting_intervals = {Dog: 3}

    def construct_mapper(self) -> Mapper:
        return self.factory.mapper(transcoder=self.construct_transcoder(),
                                   mapper_class=PydanticMapper)

    def construct_transcoder(self) -> Transcoder:
        return OrjsonTranscoder()


# -- writers ----------------------------------------------------------------------------------
def write_notes(app: Application, n_edits: int = 7) -> list[str]:
    ids = []
    for k in range(2):
        note = Note(f"hello {k}")
        for i in range(n_edits + k):
            note.edit(f"edit {i} — ünïcode, {Decimal('1.10')}")
        app.save(note)
        ids.append(str(note.id))
    return ids


def write_till(app: Application) -> list[str]:
    till = Till(Money(Decimal("10.00"), "EUR"))
    for i in range(6):
        till.sell(Money(Decimal(f"{i}.25"), "EUR"))
    app.save(till)
    return [str(till.id)]


def write_dogs(app: Application) -> list[str]:
    dog = Dog("Fido")
    for t in ("roll", "sit", "fetch", "beg", "play dead"):
        dog.add_trick(Trick(name=t))
    app.save(dog)
    return [str(dog.id)]
