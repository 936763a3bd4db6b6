"""HTTP/1.1 on a plain socket, as the soak needs it: exact request bytes in (pipelined, cut short, sent a
byte at a time), exact responses out (status, headers, body bytes), and a connection that says when the
server closed it. http.client cannot send several requests before reading, nor half a body."""
from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass


class Closed(Exception):
    """The server closed (or reset) the connection before a whole response arrived."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def closes(self) -> bool:
        return self.headers.get("connection", "").lower() == "close"


def request_bytes(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """One request with Content-Length framing; `headers` may override or add any header."""
    fields = {"Host": "127.0.0.1", "Content-Type": "application/json", "Content-Length": str(len(body))}
    fields.update(headers or {})
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    return head.encode() + body


class Connection:
    """One keep-alive client connection; reads responses one at a time from a buffer."""

    def __init__(self, port: int, timeout: float = 15.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.open = True

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as error:
            self.open = False
            raise Closed(f"send: {error}") from error

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except OSError as error:  # a reset, or the timeout: the connection is no use afterwards
            self.open = False
            raise Closed(f"recv: {error}") from error
        if not chunk:
            self.open = False
            raise Closed("closed by the server")
        self.buffer += chunk

    def read_response(self) -> Response:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        response = Response(status, headers, body)
        if response.closes:
            self.open = False
        return response

    def exchange(self, data: bytes) -> Response:
        self.send(data)
        return self.read_response()

    def reset(self) -> None:
        """Closes with SO_LINGER 0: the kernel sends a reset, not a FIN, and drops unsent data."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        self.open = False
        try:
            self.sock.close()
        except OSError:
            pass

    def wait_closed(self, timeout: float) -> bool:
        """True when the server closes within `timeout` (EOF or reset), reading and discarding meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not self.sock.recv(65536):
                    return True
            except socket.timeout:
                return False
            except OSError:
                return True
        return False
