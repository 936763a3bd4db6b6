"""The soak's clients, one function per kind of traffic; each runs on its own thread until `deadline`
(and at most `limit` rounds), counts what it sent and checks every answer.

- valid:      keep-alive /predict and v2 infer (JSON and binary tensors), every 200 checked byte for byte
- invalid:    bad JSON, wrong shapes, unknown models and versions (422 / 400 / 404, bodies checked);
              now and then a body over --max-body-size (413, then the server closes)
- large:      1000-row bodies, /predict and binary v2
- pipelined:  bursts of 32 requests in one write, the answers read back in order
- slowloris:  a head (or a body) a byte at a time: 408 after --request-timeout, then closed
- reset:      clients that reset (SO_LINGER 0) mid-body, right after a whole request, or mid-burst
"""
from __future__ import annotations

import random
import socket
import time
from dataclasses import dataclass, field

from catalog import OVERSIZED, Template
from tally import Checker, Tally
from wire import Closed, Connection


@dataclass
class Context:
    port: int
    deadline: float
    templates: list[Template]
    checker: Checker
    tally: Tally
    request_timeout: float
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    def pick(self, valid: bool | None = None, large: bool = False) -> Template:
        pool = [t for t in self.templates if (valid is None or t.valid == valid) and t.large == large]
        return self.rng.choice(pool)


LIMIT = 10_000_000  # rounds per thread, whatever the duration


def exchange(ctx: Context, kind: str, connection: Connection | None, template: Template) -> Connection | None:
    """Sends one template on a keep-alive connection (a new one when needed) and checks the answer."""
    try:
        if connection is None or not connection.open:
            connection = Connection(ctx.port)
        sent = time.monotonic()
        response = connection.exchange(template.data)
        ctx.checker.check(kind, template, response, sent, time.monotonic())
    except (Closed, OSError) as error:
        ctx.tally.fail(kind, f"{template.name}: {error}")
        if connection:
            connection.close()
        return None
    return connection


def valid(ctx: Context) -> None:
    connection = None
    for _ in range(LIMIT):
        if not ctx.running():
            break
        connection = exchange(ctx, "valid", connection, ctx.pick(valid=True))
    if connection:
        connection.close()


def invalid(ctx: Context) -> None:
    connection = None
    for round in range(LIMIT):
        if not ctx.running():
            break
        if round % 50 == 49:
            oversized(ctx)
        else:
            connection = exchange(ctx, "invalid", connection, ctx.pick(valid=False))
        time.sleep(0.002)
    if connection:
        connection.close()


def oversized(ctx: Context) -> None:
    """A Content-Length over the limit: 413 at once (nothing of the body is read), then the close."""
    connection = Connection(ctx.port)
    try:
        response = connection.exchange(OVERSIZED)
        if response.status == 413 and response.closes and connection.wait_closed(5):
            ctx.tally.count("invalid", "oversized 413")
        else:
            ctx.tally.fail("invalid", f"oversized: {response.status}, close={response.closes}")
    except (Closed, OSError) as error:
        ctx.tally.fail("invalid", f"oversized: {error}")
    finally:
        connection.close()


def large(ctx: Context) -> None:
    connection = None
    for _ in range(LIMIT):
        if not ctx.running():
            break
        connection = exchange(ctx, "large", connection, ctx.pick(large=True))
        time.sleep(0.02)
    if connection:
        connection.close()


def pipelined(ctx: Context, burst: int = 32) -> None:
    for _ in range(LIMIT):
        if not ctx.running():
            break
        batch = [ctx.pick(valid=ctx.rng.random() < 0.8) for _ in range(burst)]
        connection = None
        try:
            connection = Connection(ctx.port)
            sent = time.monotonic()
            connection.send(b"".join(t.data for t in batch))
            for template in batch:
                ctx.checker.check("pipelined", template, connection.read_response(), sent, time.monotonic())
        except (Closed, OSError) as error:
            ctx.tally.fail("pipelined", f"burst of {burst}: {error}")
        finally:
            if connection:
                connection.close()
        time.sleep(0.1)


def slowloris(ctx: Context) -> None:
    """One slow client at a time per thread: a byte every 100 ms, never finishing in time."""
    for round in range(LIMIT):
        if time.monotonic() + ctx.request_timeout + 3 > ctx.deadline:
            break
        template = ctx.pick(valid=True)
        head, _, body = template.data.partition(b"\r\n\r\n")
        slow_body = round % 2 == 1  # the head at once, then the body a byte at a time
        label = "slow body" if slow_body else "slow head"
        connection = Connection(ctx.port)
        try:
            started = time.monotonic()
            if slow_body:
                connection.send(head + b"\r\n\r\n")
                started = time.monotonic()
            data = body if slow_body else template.data
            answer = None
            connection.sock.settimeout(0.1)
            for byte in data:
                try:
                    connection.sock.sendall(bytes([byte]))
                except OSError:
                    break  # the server closed after its 408: read it below
                try:
                    chunk = connection.sock.recv(65536)
                    connection.buffer += chunk
                    if not chunk or b"\r\n\r\n" in connection.buffer:
                        break
                except socket.timeout:
                    pass
                if time.monotonic() - started > ctx.request_timeout + 5:
                    break
            connection.sock.settimeout(10)
            answer = connection.read_response()
            took = time.monotonic() - started
            in_time = ctx.request_timeout - 0.3 <= took <= ctx.request_timeout + 2.5
            if answer.status == 408 and in_time and connection.wait_closed(5):
                ctx.tally.count("slowloris", f"{label} 408")
            else:
                ctx.tally.fail("slowloris", f"{label}: {answer.status} after {took:.2f} s")
        except (Closed, OSError) as error:
            ctx.tally.fail("slowloris", f"{label}: {error}")
        finally:
            connection.close()


def reset(ctx: Context) -> None:
    for round in range(LIMIT):
        if not ctx.running():
            break
        template = ctx.pick(valid=True, large=round % 3 == 1)
        way = ("mid-body", "after the request", "mid-burst")[round % 3]
        try:
            connection = Connection(ctx.port)
            if way == "mid-body":
                head, _, body = template.data.partition(b"\r\n\r\n")
                connection.send(head + b"\r\n\r\n" + body[: len(body) // 2])
            elif way == "after the request":
                connection.send(template.data)  # a job is running when the reset arrives
            else:
                connection.send(template.data * 8)
                connection.read_response()
            connection.reset()
            ctx.tally.count("reset", way)
        except (Closed, OSError) as error:
            ctx.tally.fail("reset", f"{way}: {error}")
        time.sleep(0.02)
