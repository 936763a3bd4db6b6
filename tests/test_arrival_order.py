"""Requests that arrive together are served in the order they arrived.

While the loop works, requests queue up on many connections; its next poll reports those sockets in
the order they became readable. libev calls an iteration's callbacks last first, so a server that read
each socket from its callback served the oldest request last: under load each request's wait swung
between none and two iterations, a long tail. evserve reads them in the kernel's order.

Made exact here: the server is stopped (SIGSTOP) while one request is written on each of 40 connections,
in a known order, then continued. `GET /` is answered as it is read, so the order the responses come
back in is the order the server read the requests; the client's epoll, registered before any response
exists, reports its sockets in the order they became readable.

Thousands of sockets reported by one poll (at 10 000 connections) are read the same way, in one pass:
made exact with 1300 connections, more than libev's epoll array holds at first (`ReadOrder` says why
not in rounds).
"""
from __future__ import annotations

import os
import resource
import pathlib
import select
import signal
import socket
import time
from urllib.parse import urlsplit

from evserve_server import running_evserve

CONNECTIONS = 40  # fewer than libev's first epoll batch (64 events), so one poll reports them all
REQUEST = b"GET / HTTP/1.1\r\nHost: order.test\r\n\r\n"


def read_response(sock: socket.socket) -> bytes:
    """One whole response to GET / (its head, then Content-Length bytes of body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, "connection closed before a response"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")))
    while len(body) < length:
        body += sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 200 "), head
    return body


EPOLL_WAIT_CALLS = {"232", "281", "441", "22"}  # epoll_wait, epoll_pwait, epoll_pwait2 (x86-64); epoll_pwait (arm64)


def wait_until_polling(pid: int, deadline: float) -> None:
    """The loop (the main thread: worker 0) is blocked in epoll_wait. A socket it reported last time
    stays on epoll's ready list (level-triggered) until the next poll finds it idle; stopped before
    that, it would come first again, ahead of the requests that arrive meanwhile."""
    while time.monotonic() < deadline:
        syscall = pathlib.Path(f"/proc/{pid}/syscall").read_text().split()
        if syscall and syscall[0] in EPOLL_WAIT_CALLS:
            return
        time.sleep(0.01)
    raise AssertionError("the server's loop did not go back to epoll_wait")


def wait_until_stopped(pid: int, deadline: float) -> None:
    """Every thread of `pid` is in the stopped state (T)."""
    while time.monotonic() < deadline:
        states = []
        for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
            try:
                states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
            except FileNotFoundError:
                continue  # a thread that ended meanwhile
        if states and all(state == "T" for state in states):
            return
        time.sleep(0.01)
    raise AssertionError("the server did not stop")


def answer_order(proc, socks: list[socket.socket]) -> list[int]:
    """Stops the server, writes one request on each of `socks` in their order, continues it, and
    answers the order (indices into `socks`) in which the responses came back. Each connection has
    been accepted and answered once already."""
    poller = select.epoll()
    for sock in socks:
        poller.register(sock.fileno(), select.EPOLLIN)
    wait_until_polling(proc.pid, time.monotonic() + 10)
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        wait_until_stopped(proc.pid, time.monotonic() + 10)
        for sock in socks:
            sock.sendall(REQUEST)
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    # Wait (without touching the epoll's list) until every response has come.
    waiting = select.poll()
    for sock in socks:
        waiting.register(sock.fileno(), select.POLLIN)
    deadline = time.monotonic() + 30
    while len(waiting.poll(100)) < len(socks):
        assert time.monotonic() < deadline, "not every connection was answered"
    ready = [fd for fd, _ in poller.poll(0, len(socks))]
    poller.close()
    index = {sock.fileno(): i for i, sock in enumerate(socks)}
    assert sorted(ready) == sorted(index)
    for sock in socks:
        read_response(sock)
    return [index[fd] for fd in ready]


def connected(url: str, count: int) -> list[socket.socket]:
    """`count` connections to `url`, each accepted and answered once (none waits in the listen queue)."""
    address = urlsplit(url)
    socks = []
    try:
        for _ in range(count):
            socks.append(socket.create_connection((address.hostname, address.port), timeout=30))
        for sock in socks:
            sock.sendall(REQUEST)
            read_response(sock)
    except BaseException:
        for sock in socks:
            sock.close()
        raise
    return socks


def test_requests_that_arrive_together_are_answered_in_arrival_order():
    with running_evserve("--workers", "1") as (url, proc):
        socks = connected(url, CONNECTIONS)
        try:
            order = answer_order(proc, socks)
            assert order == list(range(CONNECTIONS)), f"answered in the order {order}"
        finally:
            for sock in socks:
                sock.close()


BACKLOG_CONNECTIONS = 1300  # more than 1024, where stops 17 to 33 read in rounds


def test_a_backlog_is_answered_in_arrival_order():
    # Two descriptors a connection (this process's and the server's, which inherits the limit), and spare.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = BACKLOG_CONNECTIONS + 512
    assert hard == resource.RLIM_INFINITY or hard >= wanted, f"open-file hard limit {hard} < {wanted}"
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    try:
        with running_evserve("--workers", "1") as (url, proc):
            socks = connected(url, BACKLOG_CONNECTIONS)
            try:
                # libev's epoll array starts at 64 events and grows each time a poll fills it: one
                # burst first, so that the next poll can report every socket at once.
                answer_order(proc, socks)
                order = answer_order(proc, socks)
                assert order == list(range(BACKLOG_CONNECTIONS)), f"answered in the order {order[:20]}..."
            finally:
                for sock in socks:
                    sock.close()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
