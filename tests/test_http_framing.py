"""evserve's HTTP/1.1 framing under hostile input: a live specification of framing-rules.md (issue 9).

Every case is raw bytes on a loopback socket to the real binary, read back until the server closes.

- A rejected case is followed, in the same write, by a pipelined probe (`GET /smuggled`, a 404 if it
  were ever answered). The server must answer the responses owed, then exactly one error (400, 413,
  431, 501 or 505) with `Connection: close` and a `{"detail": ...}` body, and close: the probe,
  and anything after the offending bytes, is never answered.
- An accepted case is followed by a pipelined `GET /healthz` with `Connection: close`: the server
  must answer the case, then that request, in order, and close only then.

Each case is sent in one write and again byte by byte (a parser must not depend on how the bytes
are split). The tables are grouped by RFC 9112 section; each row's id is the rule it checks.
"""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from dataclasses import dataclass

import h11
import pytest
import requests

from evserve_server import running_evserve
from raw_http import Exchange, address_of, at_line_ends, byte_by_byte, exchange

# The reference model reads 13 features (Boston housing); `server` checks it, so BODY is a valid
# /predict body whose 200 proves the body was framed and reassembled exactly.
BODY = b'{"X":[[0,0,0,0,0,0,0,0,0,0,0,0,0]]}'
# The issue's H: the head of a JSON POST to /predict, without its framing fields and final CRLF.
H = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
# Chunked and Content-Length heads over H.
TE = H + b"Transfer-Encoding: chunked\r\n\r\n"
CL = H + b"Content-Length: %d\r\n\r\n" % len(BODY)
GET = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
# A complete request that must never be answered after a framing error: the issue's S.
PROBE = b"GET /smuggled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
# What follows every accepted case: it must be answered, last, and then the server closes.
NEXT = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
LAST = b"0\r\n\r\n"
# --max-body-size of the `small` server, for the 413 cases.
SMALL_LIMIT = 64
REJECTIONS = {400, 413, 431, 501, 505}


def chunk(data: bytes, ext: bytes = b"", size: bytes | None = None) -> bytes:
    """One chunk: hex size (or `size` as given), extension, CRLF, data, CRLF."""
    return (size if size is not None else b"%x" % len(data)) + ext + b"\r\n" + data + b"\r\n"


def chunked(*parts: bytes) -> bytes:
    """BODY as chunks of the given data parts, then the last chunk."""
    assert b"".join(parts) == BODY
    return b"".join(chunk(p) for p in parts) + LAST


@dataclass(frozen=True)
class Case:
    sentence: str
    data: bytes
    # Final statuses the case itself must get (interim 100 Continue aside), in order.
    statuses: tuple[int, ...]
    # The last of `statuses` is a framing error: the connection closes, nothing after is answered.
    rejected: bool
    # An accepted request after which the server closes by the rules (HTTP/1.0, Connection: close).
    closes: bool = False
    server: str = "default"


def rejects(sentence: str, data: bytes, status: int = 400, before: tuple[int, ...] = (), server: str = "default"):
    return pytest.param(Case(sentence, data, before + (status,), True, server=server), id=sentence)


def accepts(sentence: str, data: bytes, *statuses: int, closes: bool = False, server: str = "default"):
    return pytest.param(Case(sentence, data, statuses or (200,), False, closes, server), id=sentence)


# ---------------------------------------------------------------------------------------------
# Issue 9's table: each row was answered wrongly by the http-parser build.
ISSUE_9 = [
    rejects("#1 a space before the colon of Transfer-Encoding is a 400, not chunked framing",
            H + b"Transfer-Encoding : chunked\r\n\r\n" + LAST),
    rejects("#2 a space before the colon of Content-Length is a 400, the probe is not a body",
            H + b"Content-Length : %d\r\n\r\n" % len(PROBE)),
    rejects("#3 CR followed by another byte does not end the head",
            b"GET / HTTP/1.1\r\nHost: x\r\n\rZ"),
    rejects("#4 CR CR LF does not end the head",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\r\n"),
    rejects("#5 CR followed by another byte does not end the trailer section",
            TE + b"5\r\nhello\r\n0\r\n\rZ"),
    rejects("#6 two bytes other than CRLF after chunk data are a 400",
            TE + b"5\r\nhelloXX0\r\n\r\n"),
    rejects("#7 a bare LF inside a chunk extension is a 400 (nginx frames these bytes differently)",
            TE + b"2;\nxx\r\n%x\r\n0\r\n\r\n" % (5 + len(PROBE)) + PROBE + b"\r\n0\r\n\r\n"),
    rejects("#8 Transfer-Encoding in an HTTP/1.0 keep-alive request is a 400 and a close",
            b"POST /predict HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(BODY)),
]

# §2.2 Message parsing: CRLF is the only line end; a few empty lines may precede a request.
MESSAGE_PARSING = [
    accepts("one empty line before the request line is skipped", b"\r\n" + GET),
    accepts("two empty lines before the request line are skipped", b"\r\n\r\n" + GET),
    rejects("a bare LF before the request line is not an empty line", b"\n" + GET),
    rejects("a bare CR before the request line is a 400", b"\r" + GET),
    rejects("a request line ended by a bare LF is a 400", b"GET /healthz HTTP/1.1\nHost: x\r\n\r\n"),
    rejects("a request line ended by a bare CR is a 400", b"GET /healthz HTTP/1.1\rHost: x\r\n\r\n"),
    rejects("a field line ended by a bare LF is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\nX: y\r\n\r\n"),
    rejects("a field line ended by a bare CR is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\rX: y\r\n\r\n"),
    rejects("a head ended by CRLF LF is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\n\n"),
    rejects("a head with only bare LFs is a 400", b"GET /healthz HTTP/1.1\nHost: x\n\n"),
    rejects("a bare CR inside a field value is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n"),
    rejects("CR CR LF after a field line is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\r\r\n\r\n"),
    rejects("a NUL before the request line is a 400", b"\x00" + GET),
]

# §3 Request line: method SP request-target SP HTTP-version CRLF, exactly.
REQUEST_LINE = [
    rejects("two spaces between method and target are a 400", b"GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("two spaces between target and version are a 400", b"GET /healthz  HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a tab between method and target is a 400", b"GET\t/healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a tab between target and version is a 400", b"GET /healthz\tHTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a space before the method is a 400", b" GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a space after the version is a 400", b"GET /healthz HTTP/1.1 \r\nHost: x\r\n\r\n"),
    rejects("a method with a byte outside tchar is a 400", b"GE@T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a request line without a target is a 400", b"GET HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("the HTTP/0.9 form (no version) is a 400", b"GET /healthz\r\n\r\n"),
    rejects("an empty request line between CRLFs and a head is a 400", b"\r\n \r\n" + GET),
    rejects("a lower-case method is a 501 (methods are case-sensitive)", b"get /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    rejects("a mixed-case method is a 501", b"Get /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    rejects("an unknown method FOO is a 501", b"FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    rejects("TRACE is a 501", b"TRACE /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    rejects("CONNECT with an authority-form target is a 501", b"CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 501),
    accepts("PUT on a GET route passes the parser and is a 405", b"PUT /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
    accepts("DELETE passes the parser and is a 405", b"DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    accepts("PATCH passes the parser and is a 405", b"PATCH /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
    accepts("OPTIONS passes the parser and is a 405", b"OPTIONS /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    rejects("HTTP/2.0 is a 505", b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    rejects("HTTP/9.9 is a 505", b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 505),
    rejects("HTTP/1.2 is a 505", b"GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n", 505),
    rejects("HTTP/0.9 with a version is a 505", b"GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n", 505),
    rejects("HTTP/1.10 is a malformed version, a 400", b"GET /healthz HTTP/1.10\r\nHost: x\r\n\r\n"),
    rejects("a lower-case http/1.1 is a 400", b"GET /healthz http/1.1\r\nHost: x\r\n\r\n"),
    rejects("HTTP/1 without a minor version is a 400", b"GET /healthz HTTP/1\r\nHost: x\r\n\r\n"),
    rejects("HTTP/11 without a dot is a 400", b"GET /healthz HTTP/11\r\nHost: x\r\n\r\n"),
    rejects("HTTPS/1.1 is a 400", b"GET /healthz HTTPS/1.1\r\nHost: x\r\n\r\n"),
    rejects("a request line longer than the head limit is a 431", b"GET /" + b"a" * 17000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
    accepts("HTTP/1.0 is served and closed after the response", b"GET /healthz HTTP/1.0\r\n\r\n", closes=True),
    accepts("HTTP/1.0 with Connection: keep-alive stays open", b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
]

# §3.2 Request target: origin-form, absolute-form, asterisk-form (OPTIONS); visible ASCII only.
REQUEST_TARGET = [
    accepts("origin-form with a query is routed by its path", b"GET /healthz?a=1&b=%20 HTTP/1.1\r\nHost: x\r\n\r\n"),
    accepts("absolute-form is accepted and its path routed", b"GET http://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    accepts("absolute-form scheme and host are case-insensitive", b"GET HTTP://X/healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    accepts("absolute-form with https, a port and a query", b"GET https://x:8443/healthz?a=1 HTTP/1.1\r\nHost: x\r\n\r\n"),
    accepts("absolute-form whose authority differs from Host is accepted",
            b"GET http://a.example/healthz HTTP/1.1\r\nHost: b.example\r\n\r\n"),
    accepts("absolute-form works for POST /predict with a body",
            b"POST http://x/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY),
    accepts("asterisk-form with OPTIONS passes the parser (no such route: 404)", b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    rejects("asterisk-form with GET is a 400", b"GET * HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("authority-form with GET is a 400", b"GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a relative target is a 400", b"GET healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("absolute-form with a scheme other than http(s) is a 400", b"GET ftp://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a fragment in the target is a 400", b"GET /healthz#top HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a fragment in an absolute-form target is a 400", b"GET http://x/healthz#top HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a non-ASCII byte in the target is a 400", b"GET /h\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("DEL in the target is a 400", b"GET /healthz\x7f HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a control byte in the target is a 400", b"GET /heal\x01thz HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("NUL in the target is a 400", b"GET /heal\x00thz HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a space inside the target is a 400", b"GET /heal thz HTTP/1.1\r\nHost: x\r\n\r\n"),
    accepts("the path is percent-decoded before routing: /%68ealthz is /healthz", b"GET /%68ealthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    accepts("percent-decoding takes upper- and lower-case hex", b"GET /%68%65%61lth%7A HTTP/1.1\r\nHost: x\r\n\r\n"),
    accepts("POST /%70redict routes to /predict", b"POST /%70redict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY),
    accepts("%2F stays encoded: /pre%2Fdict is no route (404), not a 400", b"GET /pre%2Fdict HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    accepts("%2f stays encoded: /%2fhealthz is not /healthz", b"GET /%2fhealthz HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    rejects("a % followed by non-hex is a 400", b"GET /%zzhealthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a % with one hex digit is a 400", b"GET /healthz%6 HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a % at the end of the path is a 400", b"GET /healthz% HTTP/1.1\r\nHost: x\r\n\r\n"),
    rejects("a percent-encoded NUL is a 400", b"GET /healthz%00 HTTP/1.1\r\nHost: x\r\n\r\n"),
]

# §3.2 Host: exactly one valid Host in HTTP/1.1; never two.
HOST = [
    rejects("HTTP/1.1 without Host is a 400", b"GET /healthz HTTP/1.1\r\n\r\n"),
    rejects("two Host fields are a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n"),
    rejects("two Host fields are a 400 in HTTP/1.0 too", b"GET /healthz HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n"),
    rejects("a Host with a space inside is a 400", b"GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n"),
    rejects("a Host with a path is a 400", b"GET /healthz HTTP/1.1\r\nHost: x/y\r\n\r\n"),
    rejects("a Host with userinfo is a 400", b"GET /healthz HTTP/1.1\r\nHost: user@x\r\n\r\n"),
    rejects("a Host with a non-numeric port is a 400", b"GET /healthz HTTP/1.1\r\nHost: x:http\r\n\r\n"),
    rejects("a Host with an unclosed IPv6 literal is a 400", b"GET /healthz HTTP/1.1\r\nHost: [::1\r\n\r\n"),
    rejects("a Host with a scheme is a 400", b"GET /healthz HTTP/1.1\r\nHost: http://x\r\n\r\n"),
    accepts("a Host with a port is accepted", b"GET /healthz HTTP/1.1\r\nHost: x.example:8080\r\n\r\n"),
    accepts("an IPv4 Host with a port is accepted", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"),
    accepts("an IPv6 literal Host with a port is accepted", b"GET /healthz HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n"),
    accepts("an empty Host value is accepted (RFC 9112 §3.2)", b"GET /healthz HTTP/1.1\r\nHost:\r\n\r\n"),
    accepts("the Host field name is case-insensitive", b"GET /healthz HTTP/1.1\r\nhOST: x\r\n\r\n"),
    accepts("HTTP/1.0 may omit Host", b"GET /healthz HTTP/1.0\r\n\r\n", closes=True),
    accepts("OWS around the Host value is not part of it", b"GET /healthz HTTP/1.1\r\nHost: \tx.example \r\n\r\n"),
    rejects("absolute-form does not excuse a missing Host in HTTP/1.1", b"GET http://x/healthz HTTP/1.1\r\n\r\n"),
]

# §5 Field syntax: field-name ":" OWS field-value OWS CRLF; no whitespace before the colon, no folding.
FIELDS = [
    rejects("a space between field name and colon is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n"),
    rejects("a tab between field name and colon is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A\t: b\r\n\r\n"),
    rejects("a field line without a colon is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A b\r\n\r\n"),
    rejects("an empty field name is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n"),
    *[rejects(f"a field name with {what} is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-%sA: b\r\n\r\n" % byte)
      for what, byte in [("NUL", b"\x00"), ("a control byte", b"\x01"), ("DEL", b"\x7f"), ("a byte 0x80", b"\x80"),
                         ("a byte 0xFF", b"\xff"), ("a double quote", b'"'), ("a parenthesis", b"("),
                         ("a slash", b"/"), ("a bracket", b"["), ("an @", b"@")]],
    accepts("every tchar is allowed in a field name", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX!#$%&'*+-.^_`|~9: b\r\n\r\n"),
    *[rejects(f"a field value with {what} is a 400", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a%sb\r\n\r\n" % byte)
      for what, byte in [("NUL", b"\x00"), ("a control byte 0x01", b"\x01"), ("a vertical tab", b"\x0b"),
                         ("a form feed", b"\x0c"), ("an escape", b"\x1b"), ("DEL", b"\x7f")]],
    accepts("a field value with obs-text (0x80-0xFF) is accepted", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: caf\xc3\xa9 \xff\r\n\r\n"),
    accepts("a field value with inner spaces and tabs is accepted", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a \t b\r\n\r\n"),
    accepts("OWS around a field value is accepted", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \t b \t\r\n\r\n"),
    accepts("an empty field value is accepted", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A:\r\n\r\n"),
    rejects("obs-fold (a continuation line starting with SP) is a 400",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"),
    rejects("obs-fold (a continuation line starting with HTAB) is a 400",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n"),
    rejects("a line starting with whitespace right after the request line is a 400",
            b"GET /healthz HTTP/1.1\r\n Host: x\r\nHost: x\r\n\r\n"),
    accepts("field names in upper case frame the body", b"POST /predict HTTP/1.1\r\nHOST: x\r\nCONTENT-TYPE: application/json\r\n"
            b"CONTENT-LENGTH: %d\r\n\r\n" % len(BODY) + BODY),
    accepts("field names in lower case frame the body", H.replace(b"Host", b"host") + b"transfer-encoding: chunked\r\n\r\n" + chunked(BODY)),
    accepts("Connection: keep-alive, Upgrade (a list) keeps the connection", b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: foo\r\n\r\n"),
    accepts("Connection tokens are case-insensitive: Keep-Alive", b"GET /healthz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
    accepts("Connection: close closes after the response", b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", closes=True),
    accepts("close anywhere in a Connection list closes", b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: foo ,CLOSE\r\n\r\n", closes=True),
    accepts("100 field lines are accepted", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(99)) + b"\r\n"),
    rejects("101 field lines are a 431", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(100)) + b"\r\n", 431),
    rejects("a head larger than 16 KiB is a 431", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 17000 + b"\r\n\r\n", 431),
]

# §6 Message body length: one framing, stated once, in a form with one reading.
CONTENT_LENGTH = [
    accepts("Content-Length: 0 frames an empty body", b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
    accepts("Content-Length with leading zeros is 1*DIGIT", H + b"Content-Length: 000%d\r\n\r\n" % len(BODY) + BODY),
    accepts("OWS around a Content-Length value is accepted", H + b"Content-Length: \t%d \r\n\r\n" % len(BODY) + BODY),
    accepts("no Content-Length and no Transfer-Encoding: the body is empty",
            b"POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 405),
    accepts("Expect: 100-continue with the body already sent", H + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY),
    accepts("a Content-Length body holding a whole request is only a body", b"POST /healthz HTTP/1.1\r\nHost: x\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(PROBE) + PROBE, 405),
    accepts("a GET with a Content-Length body has it read and skipped", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 5\r\n\r\nhello"),
    rejects("two equal Content-Length fields are a 400", H + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(BODY), len(BODY)) + BODY),
    rejects("two different Content-Length fields are a 400", H + b"Content-Length: %d\r\nContent-Length: 0\r\n\r\n" % len(BODY) + BODY),
    rejects("a Content-Length list n, n is a 400", H + b"Content-Length: %d, %d\r\n\r\n" % (len(BODY), len(BODY)) + BODY),
    rejects("a Content-Length with + is a 400", H + b"Content-Length: +%d\r\n\r\n" % len(BODY) + BODY),
    rejects("a negative Content-Length is a 400", H + b"Content-Length: -1\r\n\r\n" + BODY),
    rejects("a hex Content-Length is a 400", H + b"Content-Length: 0x%x\r\n\r\n" % len(BODY) + BODY),
    rejects("a space inside a Content-Length is a 400", H + b"Content-Length: 3 6\r\n\r\n" + BODY),
    rejects("an empty Content-Length is a 400", H + b"Content-Length:\r\n\r\n" + BODY),
    rejects("a Content-Length with a trailing ; is a 400", H + b"Content-Length: %d;\r\n\r\n" % len(BODY) + BODY),
    rejects("a Content-Length with a vertical tab is a 400", H + b"Content-Length: %d\x0b\r\n\r\n" % len(BODY) + BODY),
    rejects("a Content-Length too big for Int64 is a 400", H + b"Content-Length: 9223372036854775808\r\n\r\n" + BODY),
    rejects("a Content-Length of 20 digits is a 400", H + b"Content-Length: 99999999999999999999\r\n\r\n" + BODY),
    rejects("Content_Length (underscore) is not Content-Length: the body is the next request",
            b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent_Length: 4\r\n\r\n{}\r\n", before=(405,)),
    rejects("a Content-Length over --max-body-size is a 413 before the body is sent",
            H + b"Content-Length: %d\r\n\r\n" % (SMALL_LIMIT + 1), 413, server="small"),
    rejects("the largest Int64 Content-Length is a 413 before the body is sent",
            H + b"Content-Length: 9223372036854775807\r\n\r\n", 413),
    accepts("a Content-Length equal to --max-body-size is accepted",
            b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % SMALL_LIMIT + b"a" * SMALL_LIMIT, 405, server="small"),
]

TRANSFER_ENCODING = [
    accepts("a chunked body is reassembled", TE + chunked(BODY[:10], BODY[10:20], BODY[20:])),
    accepts("the chunked coding name is case-insensitive", H + b"Transfer-Encoding: CHUNKED\r\n\r\n" + chunked(BODY)),
    accepts("HTAB as OWS before chunked is accepted", H + b"Transfer-Encoding:\tchunked\r\n\r\n" + chunked(BODY)),
    accepts("a trailing space after chunked is OWS", H + b"Transfer-Encoding: chunked \r\n\r\n" + chunked(BODY)),
    accepts("two spaces before chunked are OWS", H + b"Transfer-Encoding:  chunked\r\n\r\n" + chunked(BODY)),
    rejects("Transfer-Encoding and Content-Length together are a 400 (CL first)",
            H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + LAST),
    rejects("Transfer-Encoding and Content-Length together are a 400 (TE first)",
            H + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + LAST),
    rejects("CL.TE: a body that is complete by Content-Length and by chunked framing is still a 400",
            H + b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"),
    rejects("TE.CL: a chunk holding a request by Content-Length is still a 400",
            H + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n" % len(PROBE) + PROBE + b"\r\n" + LAST),
    rejects("Transfer-Encoding in an HTTP/1.0 request is a 400",
            b"POST /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + LAST),
    rejects("chunked twice on one line is a 400", H + b"Transfer-Encoding: chunked, chunked\r\n\r\n" + LAST),
    rejects("chunked on two lines is a 400", H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + LAST),
    rejects("gzip, chunked is a 501", H + b"Transfer-Encoding: gzip, chunked\r\n\r\n" + LAST, 501),
    rejects("gzip then chunked on two lines is a 501", H + b"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + LAST, 501),
    rejects("chunked, gzip (chunked not last) is a 400", H + b"Transfer-Encoding: chunked, gzip\r\n\r\n" + LAST),
    rejects("chunked then gzip on two lines is a 400", H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n" + LAST),
    rejects("gzip alone is a 400", H + b"Transfer-Encoding: gzip\r\n\r\n" + BODY),
    rejects("identity is a 400", H + b"Transfer-Encoding: identity\r\n\r\n" + BODY),
    rejects("xchunked is a 400", H + b"Transfer-Encoding: xchunked\r\n\r\n" + LAST),
    rejects("chunkedx is a 400", H + b"Transfer-Encoding: chunkedx\r\n\r\n" + LAST),
    rejects("a quoted \"chunked\" is a 400", H + b'Transfer-Encoding: "chunked"\r\n\r\n' + LAST),
    rejects("an empty element before chunked is a 400", H + b"Transfer-Encoding: , chunked\r\n\r\n" + LAST),
    rejects("an empty element after chunked is a 400", H + b"Transfer-Encoding: chunked,\r\n\r\n" + LAST),
    rejects("an empty Transfer-Encoding is a 400", H + b"Transfer-Encoding:\r\n\r\n" + LAST),
    rejects("chunked followed by a vertical tab is a 400", H + b"Transfer-Encoding: chunked\x0b\r\n\r\n" + LAST),
    rejects("chunked followed by NUL is a 400", H + b"Transfer-Encoding: chunked\x00\r\n\r\n" + LAST),
    rejects("a tab before the colon of Transfer-Encoding is a 400", H + b"Transfer-Encoding\t: chunked\r\n\r\n" + LAST),
    rejects("Transfer-Encoding folded into another field is a 400",
            H + b"X-A: a\r\n Transfer-Encoding: chunked\r\n\r\n" + LAST),
    rejects("chunked folded onto a second line is a 400", H + b"Transfer-Encoding:\r\n chunked\r\n\r\n" + LAST),
    rejects("Transfer-Encoding with a NUL in its name is a 400", H + b"Transfer-Encoding\x00: chunked\r\n\r\n" + LAST),
    rejects("Transfer_Encoding (underscore) is not Transfer-Encoding: the chunks are the next request",
            b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer_Encoding: chunked\r\n\r\n" + LAST, before=(405,)),
]

# §7.1 Chunked coding: chunk-size [chunk-ext] CRLF chunk-data CRLF ... last-chunk trailer-section CRLF.
TE_SMALL = b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
CHUNKED = [
    accepts("an upper-case hex chunk size is accepted", TE + chunk(BODY[:26], size=b"1A") + chunk(BODY[26:]) + LAST),
    accepts("a lower-case hex chunk size is accepted", TE + chunk(BODY[:26], size=b"1a") + chunk(BODY[26:]) + LAST),
    accepts("leading zeros in a chunk size are accepted", TE + chunk(BODY, size=b"00%x" % len(BODY)) + LAST),
    accepts("a chunk size of 16 hex digits is accepted", TE + chunk(BODY, size=b"%016x" % len(BODY)) + LAST),
    accepts("an empty chunked body is accepted", TE_SMALL + LAST, 405),
    accepts("a chunk extension name is accepted", TE + chunk(BODY, b";foo") + LAST),
    accepts("a chunk extension name=token is accepted", TE + chunk(BODY, b";foo=bar") + LAST),
    accepts("a chunk extension with a quoted string is accepted", TE + chunk(BODY, b';foo="a b;c=d"') + LAST),
    accepts("a quoted-pair inside a chunk extension value is accepted", TE + chunk(BODY, b';foo="a\\"b"') + LAST),
    accepts("BWS around ; and = in a chunk extension is accepted", TE + chunk(BODY, b' ; foo = bar') + LAST),
    accepts("several chunk extensions are accepted", TE + chunk(BODY, b";a;b=c;d=\"e\"") + LAST),
    accepts("an extension on the last chunk is accepted", TE + chunk(BODY) + b"0;done=yes\r\n\r\n"),
    accepts("a trailer field is accepted and discarded", TE + chunk(BODY) + b"0\r\nX-Checksum: abc\r\n\r\n"),
    accepts("two trailer fields are accepted", TE + chunk(BODY) + b"0\r\nX-A: 1\r\nX-B: 2\r\n\r\n"),
    accepts("a Content-Length trailer is discarded, not used for framing", TE + chunk(BODY) + b"0\r\nContent-Length: 5\r\n\r\n"),
    accepts("a trailer value with obs-text is accepted", TE + chunk(BODY) + b"0\r\nX-A: caf\xc3\xa9\r\n\r\n"),
    accepts("chunk data holding CRLF, a last chunk and a request is only data",
            TE_SMALL + chunk(b"\r\n" + LAST + PROBE) + LAST, 405),
    rejects("a chunk size with 0x is a 400", TE + chunk(BODY, size=b"0x%x" % len(BODY)) + LAST),
    rejects("a negative chunk size is a 400", TE + chunk(BODY, size=b"-%x" % len(BODY)) + LAST),
    rejects("a chunk size with + is a 400", TE + chunk(BODY, size=b"+%x" % len(BODY)) + LAST),
    rejects("a space before a chunk size is a 400", TE + chunk(BODY, size=b" %x" % len(BODY)) + LAST),
    rejects("whitespace after a chunk size without an extension is a 400", TE + chunk(BODY, size=b"%x " % len(BODY)) + LAST),
    rejects("a non-hex chunk size is a 400", TE + chunk(BODY, size=b"g") + LAST),
    rejects("an empty chunk size line is a 400", TE + b"\r\n" + BODY + b"\r\n" + LAST),
    rejects("a chunk size of 17 hex digits is a 400", TE + chunk(BODY, size=b"%017x" % len(BODY)) + LAST),
    rejects("a 16-digit chunk size too big for Int64 is a 400", TE + b"FFFFFFFFFFFFFFFF\r\n" + BODY),
    rejects("a chunk size line ended by a bare LF is a 400", TE + b"%x\n" % len(BODY) + BODY + b"\r\n" + LAST),
    rejects("a chunk extension with an unterminated quoted string is a 400", TE + chunk(BODY, b';a="b') + LAST),
    rejects("a chunk extension with a control byte in a quoted string is a 400", TE + chunk(BODY, b';a="b\x01"') + LAST),
    rejects("a chunk extension with an empty name is a 400", TE + chunk(BODY, b';=b') + LAST),
    rejects("a chunk extension with = and no value is a 400", TE + chunk(BODY, b';a=') + LAST),
    rejects("a chunk extension with a space inside a token value is a 400", TE + chunk(BODY, b';a=b c') + LAST),
    rejects("a chunk extension with a quoted name is a 400", TE + chunk(BODY, b';"a"') + LAST),
    rejects("a chunk extension with NUL is a 400", TE + chunk(BODY, b';a\x00') + LAST),
    rejects("a chunk extension with a bare CR is a 400", TE + chunk(BODY, b';a\rb') + LAST),
    rejects("a chunk extension longer than the head limit is a 400", TE + chunk(BODY, b";a=" + b"b" * 20000) + LAST),
    rejects("chunk data followed directly by the next size is a 400", TE + b"%x\r\n" % len(BODY) + BODY + LAST),
    rejects("chunk data followed by a bare LF is a 400", TE + b"%x\r\n" % len(BODY) + BODY + b"\n" + LAST),
    rejects("chunk data followed by a bare CR is a 400", TE + b"%x\r\n" % len(BODY) + BODY + b"\r" + LAST),
    rejects("a chunk size one too large puts CR where CRLF must follow the data", TE + b"%x\r\n" % (len(BODY) + 1) + BODY + b"\r\n" + LAST),
    rejects("a trailer with a space before its colon is a 400", TE + chunk(BODY) + b"0\r\nX-A : 1\r\n\r\n"),
    rejects("obs-fold in the trailer section is a 400", TE + chunk(BODY) + b"0\r\nX-A: 1\r\n 2\r\n\r\n"),
    rejects("a trailer line ended by a bare LF is a 400", TE + chunk(BODY) + b"0\r\nX-A: 1\n\r\n"),
    rejects("a trailer with NUL in its value is a 400", TE + chunk(BODY) + b"0\r\nX-A: 1\x00\r\n\r\n"),
    rejects("a trailer line without a colon is a 400", TE + chunk(BODY) + b"0\r\nX-A\r\n\r\n"),
    rejects("a request right after the last chunk is read as a trailer without a colon: a 400", TE + chunk(BODY) + b"0\r\n"),
    rejects("a chunk size over --max-body-size is a 413 before its data is sent",
            TE_SMALL + b"%x\r\n" % (SMALL_LIMIT + 1), 413, server="small"),
    rejects("chunks adding up to more than --max-body-size are a 413 at the size that crosses it",
            TE_SMALL + chunk(b"a" * 40) + b"%x\r\n" % (SMALL_LIMIT - 39), 413, server="small"),
    rejects("7FFFFFFFFFFFFFFF fits Int64 but not the body limit: a 413 at once",
            TE + b"7FFFFFFFFFFFFFFF\r\n", 413),
    accepts("chunks adding up to exactly --max-body-size are accepted",
            TE_SMALL + chunk(b"a" * 40) + chunk(b"b" * (SMALL_LIMIT - 40)) + LAST, 405, server="small"),
]

# §9.3 Pipelining: requests answered one at a time, in order; an error ends the connection there.
PIPELINING = [
    accepts("two GETs in one write are answered in order", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + GET, 200, 200),
    accepts("a Content-Length POST then a GET", CL + BODY + GET, 200, 200),
    accepts("a chunked POST then a GET", TE + chunked(BODY[:7], BODY[7:]) + GET, 200, 200),
    accepts("a chunked POST with trailers then a chunked POST", TE + chunk(BODY) + b"0\r\nX-A: 1\r\n\r\n" + TE + chunked(BODY), 200, 200),
    accepts("ten pipelined requests are all answered", GET * 10, *([200] * 10)),
    accepts("an empty line between two pipelined requests is skipped", GET + b"\r\n" + GET, 200, 200),
    rejects("a good request then one over the body limit: 200, then 413", GET + H + b"Content-Length: 2000000\r\n\r\n", 413, before=(200,)),
    rejects("a good request then a malformed one: the first is answered, then 400", GET + b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", before=(200,)),
    rejects("a good POST then an unknown method: 200, then 501", CL + BODY + b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 501, before=(200,)),
]

ALL_TABLES = {
    "issue 9": ISSUE_9, "RFC9112 2.2 message parsing": MESSAGE_PARSING, "RFC9112 3 request line": REQUEST_LINE,
    "RFC9112 3.2 request target": REQUEST_TARGET, "RFC9112 3.2 Host": HOST, "RFC9112 5 fields": FIELDS,
    "RFC9112 6 Content-Length": CONTENT_LENGTH, "RFC9112 6 Transfer-Encoding": TRANSFER_ENCODING,
    "RFC9112 7.1 chunked": CHUNKED, "RFC9112 9.3 pipelining": PIPELINING,
}

DELIVERIES = {"one write": lambda data: [data], "byte by byte": byte_by_byte, "split at line ends": at_line_ends}


@pytest.fixture(scope="module")
def servers():
    """The default server and one with a small --max-body-size, both ready, for the whole module."""
    with running_evserve() as (default_url, _), \
            running_evserve("--max-body-size", str(SMALL_LIMIT)) as (small_url, _):
        spec = requests.get(default_url + "/openapi.json", timeout=10).json()
        features = spec["components"]["schemas"]["Observation"]["properties"]["X"]["items"]["maxItems"]
        assert features == BODY.count(b",") + 1, "BODY must be one valid row for the served model"
        yield {"default": address_of(default_url), "small": address_of(small_url)}


def check(case: Case, pieces: list[bytes], result: Exchange) -> None:
    """The outcome the rules require for `case`, given what the connection produced."""
    where = result.describe()
    assert not result.garbage, f"a malformed response: {where}"
    assert not result.partial, f"an unfinished response: {where}"
    assert result.closed, f"the server did not close the connection: {where}"
    if case.rejected:
        assert result.final == list(case.statuses), f"expected {case.statuses} then nothing: {where}"
        error = result.responses[-1]
        assert error.closes, f"the error response lacks Connection: close: {where}"
        detail = json.loads(error.body)["detail"]
        assert isinstance(detail, str) and detail, where
    else:
        owed = list(case.statuses) + ([] if case.closes else [200])
        assert result.final == owed, f"expected {owed}: {where}"
        assert result.responses[-1].closes, where
        if not case.closes:
            assert result.responses[-1].body == b'{"status":"ok"}', where
    for response in result.responses:
        if response.status == 200 and response.body.startswith(b'{"y"'):
            assert len(json.loads(response.body)["y"]) == 1, where  # one row in, one prediction out


def run_case(servers, case: Case, delivery: str) -> None:
    data = case.data + (PROBE if case.rejected else NEXT)
    pieces = DELIVERIES[delivery](data)
    check(case, pieces, exchange(servers[case.server], pieces))


def _tables():
    for group, table in ALL_TABLES.items():
        for param in table:
            yield pytest.param(*param.values, id=f"{group}: {param.id}")


@pytest.mark.parametrize("delivery", list(DELIVERIES))
@pytest.mark.parametrize("case", list(_tables()))
def test_framing_rule(servers, case: Case, delivery: str):
    """Each row: accepted and answered before the next request, or rejected with nothing after it."""
    run_case(servers, case, delivery)


# ---------------------------------------------------------------------------------------------
# Real clients: strictness must not break what they send.

def test_requests_posts_a_chunked_body(servers):
    """requests streams a generator body with Transfer-Encoding: chunked; /predict answers 200."""
    host, port = servers["default"]
    parts = (BODY[i:i + 7] for i in range(0, len(BODY), 7))
    response = requests.post(f"http://{host}:{port}/predict", data=parts,
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 200, response.text
    assert len(response.json()["y"]) == 1


def test_requests_keeps_one_connection_across_requests(servers):
    """A requests Session sends five requests, chunked and not, over one kept-alive connection."""
    host, port = servers["default"]
    with requests.Session() as session:
        ports = set()
        for i in range(5):
            body = BODY if i % 2 else iter([BODY[:5], BODY[5:]])
            response = session.post(f"http://{host}:{port}/predict", data=body,
                                    headers={"Content-Type": "application/json"}, timeout=10, stream=True)
            ports.add(response.raw._connection.sock.getsockname()[1])
            assert response.status_code == 200
            response.content  # read it all, so the connection goes back to the pool
        assert len(ports) == 1


def curl(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    binary = shutil.which("curl")
    assert binary, "curl is needed (tests/apt-packages-framing.txt)"
    return subprocess.run([binary, "-sS", "--noproxy", "", "--max-time", "10", *args],
                          input=stdin, capture_output=True, timeout=20)


@pytest.mark.parametrize("extra", [[], ["-H", "Expect: 100-continue"]],
                         ids=["curl posts a chunked body", "curl posts a chunked body after 100-continue"])
def test_curl_posts_a_chunked_body(servers, extra):
    """curl sends Transfer-Encoding: chunked from stdin (with and without Expect); /predict answers 200."""
    host, port = servers["default"]
    done = curl("-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/json", *extra,
                "--data-binary", "@-", "-w", "\n%{http_code}", f"http://{host}:{port}/predict", stdin=BODY)
    body, _, status = done.stdout.rpartition(b"\n")
    assert done.returncode == 0, done.stderr
    assert status == b"200", body
    assert len(json.loads(body)["y"]) == 1


def test_curl_through_a_proxy_sends_absolute_form(servers):
    """curl told evserve is its proxy sends `GET http://evserve.test/healthz`: accepted, routed by path."""
    host, port = servers["default"]
    done = curl("-x", f"http://{host}:{port}", "-w", "\n%{http_code}", "http://evserve.test/healthz")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'{"status":"ok"}\n200'


def test_curl_http10_is_served(servers):
    """curl --http1.0 (no keep-alive, no chunked) gets its answer."""
    host, port = servers["default"]
    done = curl("--http1.0", "-w", "\n%{http_code}", f"http://{host}:{port}/healthz")
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith(b"\n200")


# ---------------------------------------------------------------------------------------------
# h11 as an oracle: a seeded corpus of mutated heads. Where h11, a strict server-side parser,
# rejects the bytes, evserve must reject them too; where h11 frames requests, evserve must answer
# each one, unless framing-rules.md is stricter than h11 on that point (KNOWN_LAXER_IN_H11 below).

ORACLE_SEED = 9
ORACLE_COUNT = 300
KNOWN_METHODS = {b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS"}
# Bases whose answers do not depend on their bodies, so only framing decides what is answered.
ORACLE_BASES = [
    b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"GET /healthz?q=1 HTTP/1.1\r\nHost: x:80\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
    b"PUT /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nX-A: b c\r\n\r\n",
]
MUTATION_BYTES = b"\r\n\t \x00\x01\x0b\x0c\x7f\x80\xff:;,\"=/#%?@0aZ-_"
MUTATION_LINES = [b"Transfer-Encoding: chunked", b"Content-Length: 0", b"Content-Length: 5", b"Host: y",
                  b"Connection: close", b"Transfer-Encoding: gzip", b"Content-Length: 5, 5", b" folded",
                  b"Transfer-Encoding : chunked", b"X: \x01"]


def mutate(rng: random.Random, base: bytes) -> tuple[bytes, str]:
    """One mutation inside the head of `base` (its body and framing bytes stay as they were)."""
    head_end = base.index(b"\r\n\r\n") + 2
    op = rng.choice(["insert", "replace", "delete", "line", "duplicate", "case"])
    if op in ("line", "duplicate"):
        starts = [m.end() for m in re.finditer(rb"\r\n", base[:head_end])]
        at = rng.choice(starts)
        if op == "line":
            line = rng.choice(MUTATION_LINES)
        else:
            line = base[rng.choice(starts[:-1]):].split(b"\r\n", 1)[0]
        return base[:at] + line + b"\r\n" + base[at:], f"{op} {line!r} at {at}"
    at = rng.randrange(head_end)
    if op == "insert":
        byte = bytes([rng.choice(MUTATION_BYTES)])
        return base[:at] + byte + base[at:], f"insert {byte!r} at {at}"
    if op == "replace":
        byte = bytes([rng.choice(MUTATION_BYTES)])
        return base[:at] + byte + base[at + 1:], f"replace {base[at:at + 1]!r} by {byte!r} at {at}"
    if op == "delete":
        return base[:at] + base[at + 1:], f"delete {base[at:at + 1]!r} at {at}"
    return base[:at] + base[at:at + 1].swapcase() + base[at + 1:], f"swap case at {at}"


@dataclass
class H11Verdict:
    """How h11 frames the bytes: the complete requests (and each one's bytes), then its stop."""
    requests: list[tuple[h11.Request, bytes]]
    stop: str  # "error", "incomplete" or "closed" (h11 stopped after a request that ends the connection)
    error: str = ""


def h11_frames(data: bytes) -> H11Verdict:
    requests_seen: list[tuple[h11.Request, bytes]] = []
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(data)
    start, request = 0, None
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError as error:
            rest = conn.trailing_data[0]
            if str(error) == "no request line received" and data[len(data) - len(rest) - 2:].startswith(b"\r\n"):
                # h11 refuses empty lines before a request line; RFC 9112 §2.2 and the rules skip them.
                offset = len(data) - len(rest)
                tail = h11_frames(data[offset:].lstrip(b"\r\n") if data[offset:].startswith(b"\r\n") else data[offset:])
                return H11Verdict(requests_seen + tail.requests, tail.stop, tail.error)
            return H11Verdict(requests_seen, "error", str(error))
        if isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.EndOfMessage):
            end = len(data) - len(conn.trailing_data[0])
            requests_seen.append((request, data[start:end]))
            start = end
            conn.send(h11.Response(status_code=200, headers=[("Content-Length", "0")]))
            conn.send(h11.EndOfMessage())
            if conn.their_state is h11.MUST_CLOSE:
                if request.http_version == b"1.0" and _has_token(request, b"connection", b"keep-alive"):
                    # h11 never keeps an HTTP/1.0 connection; the rules keep it with keep-alive.
                    tail = h11_frames(data[end:])
                    return H11Verdict(requests_seen + tail.requests, tail.stop, tail.error)
                return H11Verdict(requests_seen, "closed")
            conn.start_next_cycle()
        elif event is h11.NEED_DATA:
            return H11Verdict(requests_seen, "incomplete")


def _has_token(request: h11.Request, name: bytes, token: bytes) -> bool:
    return any(token == t.strip().lower() for k, v in request.headers if k == name for t in v.split(b","))


UNRESERVED_OR_SUB = rb"[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2}"
HOST_VALUE = re.compile(rb"(?:\[[0-9A-Fa-f:.]+\]|(?:" + UNRESERVED_OR_SUB + rb")*)(?::[0-9]*)?")


def target_is_valid(method: bytes, target: bytes) -> bool:
    """The request-target forms framing-rules.md accepts (bytes are already VCHAR: h11 checked)."""
    if target == b"*":
        return method == b"OPTIONS"
    if b"#" in target:
        return False
    absolute = re.match(rb"(?i)https?://([^/?]*)", target)
    if absolute:
        path = target[absolute.end():]
    elif target.startswith(b"/"):
        path = target
    else:
        return False
    path = path.split(b"?", 1)[0]
    return not re.search(rb"%(?![0-9A-Fa-f]{2})|%00", path)


def known_laxer_in_h11(request: h11.Request, message: bytes) -> tuple[set[int], str] | None:
    """Where framing-rules.md rejects what h11 0.16 accepts: the statuses the rules allow, and why.

    Each is a documented choice of h11 (or a check it leaves to the application), not a bug:
    """
    reasons: list[tuple[int, str]] = []
    head = message[:re.search(rb"\n\r?\n", message).end()]
    # h11 takes a bare LF as a line end ("be liberal"); the rules take CRLF only (RFC 9112 §2.2).
    if re.search(rb"(?<!\r)\n", message):
        reasons.append((400, "bare LF"))
    # h11 unfolds obs-fold; RFC 9112 §5.2 lets a server reject it, and the rules do.
    if re.search(rb"\n[ \t]", head):
        reasons.append((400, "obs-fold"))
    # h11's field-value excludes only NUL and whitespace CTLs; the rules exclude every CTL and DEL.
    if re.search(rb"[\x01-\x08\x0e-\x1f\x7f]", message):
        reasons.append((400, "control byte in a field"))
    # h11 parses any token as a method and any HTTP/d.d version: routing them is the application's job.
    if request.method not in KNOWN_METHODS:
        reasons.append((501, "method"))
    if request.http_version not in (b"1.0", b"1.1"):
        reasons.append((505, "version"))
    # h11 takes any VCHAR run as the target and does not look at Host's value.
    if not target_is_valid(request.method, request.target):
        reasons.append((400, "target"))
    hosts = [v for k, v in request.headers if k == b"host"]
    if hosts and not HOST_VALUE.fullmatch(hosts[0]):
        reasons.append((400, "Host value"))
    # h11 merges equal Content-Length values (RFC 9110 §8.6 allows it); the rules reject any repeat.
    if len(re.findall(rb"(?im)^content-length:", head)) > 1 or re.search(rb"(?im)^content-length:[^\r\n]*,", head):
        reasons.append((400, "Content-Length repeated"))
    # h11 lets Transfer-Encoding win over Content-Length, and accepts it in HTTP/1.0 (RFC 9112 §6.1, §6.3).
    names = {k for k, _ in request.headers}
    if b"transfer-encoding" in names and (b"content-length" in re.findall(rb"(?im)^([^:\r\n]*):", head.lower())):
        reasons.append((400, "Transfer-Encoding with Content-Length"))
    if b"transfer-encoding" in names and request.http_version == b"1.0":
        reasons.append((400, "Transfer-Encoding in HTTP/1.0"))
    if not reasons:
        return None
    return {status for status, _ in reasons}, ", ".join(why for _, why in reasons)


def oracle_corpus() -> list:
    rng = random.Random(ORACLE_SEED)
    cases = []
    for attempt in range(ORACLE_COUNT * 3):
        if len(cases) == ORACLE_COUNT:
            break
        base_index = rng.randrange(len(ORACLE_BASES))
        mutated, how = mutate(rng, ORACLE_BASES[base_index])
        data = mutated + NEXT
        verdict = h11_frames(data)
        if verdict.stop == "incomplete":
            continue  # h11 waits for bytes that will never come; so would a correct server, until its timeout
        cases.append(pytest.param(data, verdict, id=f"#{len(cases)} base {base_index}: {how}"))
    return cases


ORACLE_CASES = oracle_corpus()


def test_oracle_corpus_exercises_both_verdicts():
    """The seeded corpus has enough rejected and accepted cases to be worth comparing."""
    stops = [param.values[1].stop for param in ORACLE_CASES]
    assert len(ORACLE_CASES) == ORACLE_COUNT
    assert stops.count("error") >= 50 and stops.count("closed") >= 50, stops


@pytest.mark.parametrize("data,verdict", ORACLE_CASES)
def test_h11_oracle(servers, data: bytes, verdict: H11Verdict):
    """Where h11 rejects, evserve rejects; where h11 frames N requests, evserve answers N (rules permitting)."""
    result = exchange(servers["default"], data)
    where = f"{verdict.stop} {verdict.error} after {len(verdict.requests)} request(s); evserve: {result.describe()}"
    assert not result.garbage and not result.partial, where
    assert result.closed, where
    answered = result.final
    for index, (request, message) in enumerate(verdict.requests):
        stricter = known_laxer_in_h11(request, message)
        if stricter is not None:
            allowed, why = stricter
            assert len(answered) == index + 1, f"rules reject request {index + 1} ({why}): {where}"
            assert answered[index] in allowed and result.responses[-1].closes, f"({why}) {where}"
            return
        assert len(answered) > index, f"request {index + 1} was not answered: {where}"
        assert answered[index] not in REJECTIONS, f"request {index + 1} rejected: {where}"
    if verdict.stop == "error":
        assert len(answered) == len(verdict.requests) + 1, f"h11 rejects here: {where}"
        assert answered[-1] in {400, 501, 505} and result.responses[-1].closes, where
    else:
        assert len(answered) == len(verdict.requests), where
