"""Group the callbacks that arrive together in one process into one database statement.

Each callback costs PostgreSQL a fixed amount of work (statement, three inserts, commit) on top
of its events, and under load that fixed part is most of a single-event callback's cost. The
first request thread that finds no statement running becomes the leader: it stores its own
callback together with every callback queued at that moment, in one statement, then wakes the
others. Requests that arrive while a statement runs queue for the next one. A callback that
arrives alone is stored at once, so grouping adds no delay when the service is quiet. Under load
a request waits for the statement ahead of it, and for more than one only when the queue holds
more events than a group may take.

Every request still returns only after the statement that contains its callback has committed.

A statement that hangs (on a lock, say) holds every request queued behind it in that worker, not
only its own callbacks. The web servers set a PostgreSQL statement timeout (30 s by default,
DATABASE_STATEMENT_TIMEOUT_MS), after which the group's requests get 503 and Gupshup retries.
"""
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class _Entry(Generic[Item, Outcome]):
    __slots__ = ("item", "size", "finished", "outcome", "error", "wakeup")

    def __init__(self, item: Item, size: int):
        self.item = item
        self.size = size
        self.finished = False
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None
        # Held until the entry is finished or its thread becomes the leader. One lock per
        # entry wakes exactly that thread, where a shared condition would wake every waiter.
        self.wakeup = threading.Lock()
        self.wakeup.acquire()


class CommitGroup(Generic[Item, Outcome]):
    """Run `store_many` for the items that threads submit at the same time.

    `store_many(items)` returns one outcome per item, in order, or raises for the whole group.
    When a group of several items fails and `split_on(error)` is true (a rejected value, say),
    each item is stored again on its own, so one bad callback fails only its own request. When
    it is false (the database is unavailable, so every item would fail again), every item gets
    the error.
    `max_size` bounds the total size (events) of one group; a single larger item still runs.
    """

    def __init__(self, store_many: Callable[[Sequence[Item]], list[Outcome]], max_size: int,
                 split_on: Callable[[Exception], bool]):
        self.store_many = store_many
        self.max_size = max_size
        self.split_on = split_on
        self._mutex = threading.Lock()
        self._queue: list[_Entry] = []
        self._leader_running = False

    def submit(self, item: Item, size: int = 1) -> Outcome:
        """Store `item` in the next group and return its outcome; raise its error."""
        entry = _Entry(item, size)
        with self._mutex:
            self._queue.append(entry)
            waits = self._leader_running
            self._leader_running = True
        if waits:
            # Woken when a leader has stored the entry, or when the entry is first in the
            # queue as the leader hands over.
            entry.wakeup.acquire()
        if not entry.finished:
            self._lead()
        if entry.error is not None:
            raise entry.error
        return entry.outcome

    def _lead(self) -> None:
        """Store the oldest queued entries (this thread's own first), then hand over."""
        with self._mutex:
            group = self._take_group()
        try:
            self._run(group)
        finally:
            with self._mutex:
                successor = self._queue[0] if self._queue else None
                self._leader_running = successor is not None
            for finished in group:
                finished.wakeup.release()
            if successor is not None:
                successor.wakeup.release()

    def _take_group(self) -> list[_Entry]:
        """Remove queued entries up to max_size from the queue, oldest first."""
        count, total_size = 0, 0
        for entry in self._queue:
            if count and total_size + entry.size > self.max_size:
                break
            count += 1
            total_size += entry.size
        group, self._queue = self._queue[:count], self._queue[count:]
        return group

    def _run(self, group: list[_Entry]) -> None:
        try:
            outcomes = self.store_many([entry.item for entry in group])
        except Exception as error:  # noqa: BLE001 - each request re-raises its own error
            if len(group) > 1 and self.split_on(error):
                for entry in group:
                    self._run_alone(entry)
            else:
                for entry in group:
                    entry.error = error
        else:
            for entry, outcome in zip(group, outcomes, strict=True):
                entry.outcome = outcome
        finally:
            for entry in group:
                if entry.outcome is None and entry.error is None:
                    entry.error = RuntimeError("the statement storing this callback was interrupted")
                entry.finished = True

    def _run_alone(self, entry: _Entry) -> None:
        try:
            entry.outcome = self.store_many([entry.item])[0]
        except Exception as error:  # noqa: BLE001 - re-raised in the request's own thread
            entry.error = error
