"""Requests that arrive together are served in the order they arrived.

While the loop works, requests queue up on many connections; its next poll reports those sockets in
the order they became readable. libev calls an iteration's callbacks last first, so a server that read
each socket from its callback served the oldest request last: under load each request's wait swung
between none and two iterations, a long tail. evserve reads them in the kernel's order.

Made exact here: the server is stopped (SIGSTOP) while one request is written on each of 40 connections,
in a known order, then continued. `GET /` is answered as it is read, so the order the responses come
back in is the order the server read the requests; the client's epoll, registered before any response
exists, reports its sockets in the order they became readable.
"""
from __future__ import annotations

import os
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


def test_requests_that_arrive_together_are_answered_in_arrival_order():
    with running_evserve("--workers", "1") as (url, proc):
        address = urlsplit(url)
        socks = [socket.create_connection((address.hostname, address.port), timeout=30) for _ in range(CONNECTIONS)]
        try:
            # Every connection accepted and served once, so none is still waiting in the listen queue.
            for sock in socks:
                sock.sendall(REQUEST)
                read_response(sock)
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
            while len(waiting.poll(100)) < CONNECTIONS:
                assert time.monotonic() < deadline, "not every connection was answered"
            ready = [fd for fd, _ in poller.poll(0)]
            assert sorted(ready) == sorted(sock.fileno() for sock in socks)
            assert ready == [sock.fileno() for sock in socks], \
                "answered in the order " + str([[s.fileno() for s in socks].index(fd) for fd in ready])
            for sock in socks:
                read_response(sock)
        finally:
            for sock in socks:
                sock.close()
