"""Work run on a thread of its own while the caller does something else (a capture, a poller)."""

import threading
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """Starts `work` on a thread at once. `outcome()` waits for it and returns its result, or raises
    the error it raised (wrk failing, say), so that a failure reads as itself and not as a result
    missing later."""

    def __init__(self, work: Callable[[], T]):
        self._result: list[T] = []
        self._error: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(work,))
        self._thread.start()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self._result.append(work())
        except BaseException as error:  # handed over to the thread that waits in outcome()
            self._error.append(error)

    def outcome(self) -> T:
        self._thread.join()
        if self._error:
            raise self._error[0]
        return self._result[0]
