"""A raw HTTP/1.1 client for hostile-input tests: exact bytes out, every response back.

Real clients repair or refuse what these tests must send (bare CR, duplicate framing headers,
bytes after a message), so this one sends the bytes as given — in one write, or in pieces — and
then reads until the server closes the connection or a deadline passes. The responses are framed
strictly (status line, CRLF header lines, `Content-Length` body, as evserve always sends), so a
smuggled extra response, or a malformed one, shows up instead of being glossed over.
"""
from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass, field
from typing import Iterable
from urllib.parse import urlsplit

# Long enough for a debug build on a busy two-core machine, shorter than the server's own
# keep-alive (5 s) and request (10 s) timeouts, so a hang is seen as a hang and not as a close.
DEFAULT_DEADLINE = 4.0


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The value of the one field called `name` (case-insensitive); None if absent."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else None

    @property
    def closes(self) -> bool:
        """The response announced the end of the connection (`Connection: close`)."""
        value = self.header("Connection") or ""
        return "close" in [token.strip().lower() for token in value.split(",")]


@dataclass
class Exchange:
    """Everything one connection produced."""
    responses: list[Response] = field(default_factory=list)
    # The server ended the connection (EOF or reset) before the deadline.
    closed: bool = False
    # The connection ended with a reset rather than an orderly FIN.
    reset: bool = False
    # Part of the request could not be written because the server had already gone.
    send_failed: bool = False
    # Received bytes that are not (the start of) a well-formed response.
    garbage: bytes = b""
    # Bytes of an unfinished response when the reading stopped.
    partial: bytes = b""

    @property
    def statuses(self) -> list[int]:
        return [r.status for r in self.responses]

    @property
    def final(self) -> list[int]:
        """Statuses of final responses, without interim 1xx (e.g. `100 Continue`)."""
        return [r.status for r in self.responses if r.status >= 200]

    def describe(self) -> str:
        parts = [f"statuses={self.statuses}", f"closed={self.closed}"]
        if self.reset:
            parts.append("reset")
        if self.send_failed:
            parts.append("send_failed")
        if self.garbage:
            parts.append(f"garbage={self.garbage[:80]!r}")
        if self.partial:
            parts.append(f"partial={self.partial[:80]!r}")
        parts += [f"{r.status} {r.body[:120]!r}" for r in self.responses]
        return ", ".join(parts)


def parse_responses(data: bytes) -> tuple[list[Response], bytes, bool]:
    """Split `data` into complete responses.

    Returns the responses, the bytes after them, and whether those bytes are malformed (cannot be
    the start of a response; nothing after them is trusted) rather than an unfinished response.
    Responses to HEAD requests (no body despite Content-Length) are not supported on purpose:
    the suites do not send HEAD through this client.
    """
    responses: list[Response] = []
    while data:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            prefix = b"HTTP/1.1 "
            unfinished = data.startswith(prefix) or prefix.startswith(data)
            return responses, data, not unfinished
        response = _parse_one(data[:end].decode("latin-1"))
        if response is None:
            return responses, data, True
        length = int(response.header("Content-Length") or 0)
        start = end + 4
        if len(data) - start < length:
            return responses, data, False
        response.body = data[start:start + length]
        responses.append(response)
        data = data[start + length:]
    return responses, b"", False


def _parse_one(head: str) -> Response | None:
    """A response head (without its final CRLF CRLF), or None if it breaks HTTP/1.1's grammar."""
    lines = head.split("\r\n")
    match = re.fullmatch(r"HTTP/1\.1 ([1-5][0-9][0-9]) ([\t -~]*)", lines[0])
    if not match:
        return None
    headers = []
    for line in lines[1:]:
        field = re.fullmatch(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\t -~]*?)[ \t]*", line)
        if not field:
            return None
        headers.append((field.group(1), field.group(2)))
    response = Response(int(match.group(1)), match.group(2), headers, b"")
    lengths = [v for k, v in headers if k.lower() == "content-length"]
    if 100 <= response.status < 200 or response.status in (204, 304):
        return response if not lengths else None
    # evserve frames every other response by exactly one Content-Length.
    return response if len(lengths) == 1 and lengths[0].isdigit() else None


def address_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def exchange(address: tuple[str, int], pieces: bytes | Iterable[bytes],
             deadline: float = DEFAULT_DEADLINE) -> Exchange:
    """Send `pieces` (each in its own write, Nagle off), then read until the server closes.

    Reading also stops at `deadline` seconds after the connection was made; then `closed` is False.
    Writes that fail because the server has already closed are recorded, not raised: a server that
    rejects early may legitimately stop reading.
    """
    if isinstance(pieces, (bytes, bytearray)):
        pieces = [bytes(pieces)]
    result = Exchange()
    received = bytearray()
    end_at = time.monotonic() + deadline
    with socket.create_connection(address, timeout=deadline) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in pieces:
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                result.send_failed = True
                break
            if _poll_read(sock, received, result):
                break  # the server closed while we were still writing
        while not result.closed:
            remaining = end_at - time.monotonic()
            if remaining <= 0:
                break
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                result.closed = result.reset = True
                break
            if not chunk:
                result.closed = True
                break
            received += chunk
    result.responses, rest, malformed = parse_responses(bytes(received))
    if malformed:
        result.garbage = rest
    else:
        result.partial = rest
    return result


def _poll_read(sock: socket.socket, received: bytearray, result: Exchange) -> bool:
    """Take whatever has already arrived, without waiting. True if the server has closed."""
    sock.setblocking(False)
    try:
        while True:
            try:
                chunk = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return False
            except ConnectionResetError:
                result.closed = result.reset = True
                return True
            if not chunk:
                result.closed = True
                return True
            received += chunk
    finally:
        sock.setblocking(True)


def byte_by_byte(data: bytes) -> list[bytes]:
    return [data[i:i + 1] for i in range(len(data))]


def at_line_ends(data: bytes) -> list[bytes]:
    """Pieces that end right after each LF and each CR: splits land inside every line ending."""
    pieces, start = [], 0
    for i, byte in enumerate(data):
        if byte in (0x0A, 0x0D):
            pieces.append(data[start:i + 1])
            start = i + 1
    if start < len(data):
        pieces.append(data[start:])
    return pieces
