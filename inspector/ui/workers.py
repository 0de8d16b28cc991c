"""Run core calls off the UI thread: one QThreadPool, channels where the newest request wins.

Every store read and replay goes through :class:`TaskRunner.submit`. A *channel* names a kind of
request ("state", "events-page-3", "find"...): submitting on a channel cancels the previous task
of that channel (its ``cancelled()`` turns true) and drops its result when it arrives, so a result
the user has moved on from never reaches the screen. The function runs in a pool thread with a
:class:`Ticket` it may poll for cancellation and use to report progress; its return value (plain
data) is delivered to ``on_done`` on the UI thread, an exception to ``on_error`` as one line.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from inspector.core.errors import InspectorError


class Cancelled(Exception):
    """Raised by :meth:`Ticket.check` inside a task whose result nobody wants any more."""


@dataclass(eq=False)
class Ticket:
    """A task's handle: cancellation flag, progress reporting, its channel and label."""

    channel: str
    label: str
    generation: int
    _cancel: threading.Event = field(default_factory=threading.Event)
    _emit_progress: Callable[[Any], None] | None = None

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled

    def progress(self, value: Any) -> None:
        if self._emit_progress is not None and not self._cancel.is_set():
            self._emit_progress(value)


class _Mailbox(QObject):
    """Delivers calls from pool threads to the UI thread without emitting Qt signals there.

    PySide6 6.8+ corrupts reference counts when a Python thread emits a queued signal while the
    UI thread runs Python (PYSIDE-3124; reproduced here as fatal "deallocating True/None" errors
    with 6.12). So a worker only puts ``(function, value)`` on a queue and writes one byte to a
    socket pair; a QSocketNotifier on the UI thread wakes up and runs the queued calls.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.SimpleQueue[tuple[Callable[[Any], None], Any]] = queue.SimpleQueue()
        self._rsock, self._wsock = socket.socketpair()
        self._rsock.setblocking(False)
        self._wsock.setblocking(False)
        self._notifier = QSocketNotifier(self._rsock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(lambda *_: self.drain())

    def post(self, fn: Callable[[Any], None], value: Any) -> None:
        """From any thread: run ``fn(value)`` on the UI thread soon."""
        self._queue.put((fn, value))
        try:
            self._wsock.send(b"\0")
        except (BlockingIOError, OSError):
            pass  # the buffer is full: a wake-up is pending anyway

    def drain(self) -> None:
        try:
            while self._rsock.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass
        while True:
            try:
                fn, value = self._queue.get_nowait()
            except queue.Empty:
                return
            fn(value)

    def close(self) -> None:
        self._notifier.setEnabled(False)
        for sock in (self._rsock, self._wsock):
            with contextlib.suppress(OSError):
                sock.close()


_CANCELLED = object()


def _run_job(
    fn: Callable[[Ticket], Any],
    ticket: Ticket,
    mailbox: _Mailbox,
    done: Callable[[Any], None],
    failed: Callable[[Any], None],
) -> None:
    """The body of a task, on a pool thread: run ``fn``, post the outcome to the UI thread."""
    try:
        result = fn(ticket)
    except Cancelled:
        mailbox.post(failed, _CANCELLED)
    except InspectorError as exc:
        mailbox.post(failed, str(exc))
    except Exception as exc:  # noqa: BLE001 - the window must never die
        traceback.print_exc()
        mailbox.post(failed, f"{type(exc).__name__}: {exc}")
    else:
        mailbox.post(done, result)


class TaskRunner(QObject):
    """Submits tasks to a pool; tracks what is loading; drops stale results."""

    busyChanged = Signal(str)  # the labels of running tasks, "" when idle
    errorRaised = Signal(str)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        # Python threads, not QThreadPool: with PySide6 6.12 every QRunnable.run() called from a
        # pool thread drops a reference to None, and a long session dies ("deallocating None").
        self.pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="inspector")
        self.mailbox = _Mailbox(self)
        self._futures: set[Future[None]] = set()
        self._generation: dict[str, int] = {}
        self._current: dict[str, Ticket] = {}
        self._running: set[int] = set()
        self._serial = 0

    # -- submission ---------------------------------------------------------------------------
    def submit(
        self,
        channel: str,
        fn: Callable[[Ticket], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        label: str | None = None,
    ) -> Ticket:
        """Run ``fn(ticket)`` in the pool; ``label`` names it in the busy state ("" = quiet)."""
        gen = self._generation.get(channel, 0) + 1
        self._generation[channel] = gen
        old = self._current.get(channel)
        if old is not None:
            old.cancel()
        ticket = Ticket(channel, channel if label is None else label, gen)
        self._serial += 1
        key = self._serial
        self._running.add(key)
        self._current[channel] = ticket

        def finish() -> bool:
            self._running.discard(key)
            fresh = self._generation.get(channel) == gen and not ticket.cancelled()
            if self._current.get(channel) is ticket:
                del self._current[channel]
            self._emit_busy()
            return fresh

        def done(result: Any) -> None:
            if finish():
                on_done(result)

        def failed(message: Any) -> None:
            if not finish() or message is _CANCELLED:
                return
            if on_error is not None:
                on_error(message)
            else:
                self.errorRaised.emit(message)

        def progressed(value: Any) -> None:
            if on_progress is not None and self._generation.get(channel) == gen:
                on_progress(value)

        ticket._emit_progress = lambda value: self.mailbox.post(progressed, value)
        fut = self.pool.submit(_run_job, fn, ticket, self.mailbox, done, failed)
        self._futures.add(fut)
        fut.add_done_callback(self._futures.discard)
        self._emit_busy()
        return ticket

    # -- state --------------------------------------------------------------------------------
    def busy_labels(self) -> list[str]:
        return [t.label for t in self._current.values() if t.label and not t.cancelled()]

    def is_busy(self, channel: str | None = None) -> bool:
        if channel is None:
            return bool(self._running)
        return channel in self._current

    def cancel(self, channel: str) -> None:
        t = self._current.get(channel)
        if t is not None:
            t.cancel()
            self._generation[channel] = self._generation.get(channel, 0) + 1
            del self._current[channel]
            self._emit_busy()

    def cancel_all(self) -> None:
        for channel in list(self._current):
            self.cancel(channel)

    def cancel_prefix(self, prefix: str) -> None:
        for channel in list(self._current):
            if channel.startswith(prefix):
                self.cancel(channel)

    def wait_idle(self, msecs: int = -1) -> bool:
        """Block until the pool is idle, then run what it delivered (close, screenshots)."""
        _done, pending = wait(list(self._futures), timeout=None if msecs < 0 else msecs / 1000)
        self.mailbox.drain()
        return not pending

    def shutdown(self) -> None:
        """Cancel everything and let the threads end (the window is closing)."""
        self.cancel_all()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _emit_busy(self) -> None:
        labels = sorted(set(self.busy_labels()))
        self.busyChanged.emit(", ".join(labels))
