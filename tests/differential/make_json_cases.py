"""Writes json_cases.tsv: what CPython's `json.loads` makes of many byte strings.

Run with the Python the oracle uses (`python3 tests/differential/make_json_cases.py`); the Swift
JSON tests read the file and require the same value or the same error message and position.
Each line: hex of the input bytes, a tab, then one of
  ok <canonical value>            (see `canon`; floats as their IEEE bit pattern)
  err <msg>|<pos>|<lineno>|<colno>  (json.JSONDecodeError)
  undecodable                     (any other ValueError or RecursionError: FastAPI answers 400;
                                   also documents from nesting deeper than evserve's limit, 64)
"""
import json
import random
import struct
import sys
from pathlib import Path


def canon(v):
    """A text form that keeps int vs float, exact float bits, key order and code points.
    Lone surrogates print as fffd: Swift strings cannot hold them."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "F" + format(struct.unpack("<Q", struct.pack("<d", v))[0], "x")
    if isinstance(v, str):
        return "S" + ",".join(format(0xFFFD if 0xD800 <= ord(c) <= 0xDFFF else ord(c), "x") for c in v) + ";"
    if isinstance(v, list):
        return "[" + ",".join(canon(e) for e in v) + "]"
    return "{" + ",".join(canon(k) + ":" + canon(x) for k, x in v.items()) + "}"


MAX_DEPTH = 64  # evserve's parser refuses deeper documents (Python's limit is near 950)


def depth(v) -> int:
    if isinstance(v, list):
        return 1 + max((depth(e) for e in v), default=0)
    if isinstance(v, dict):
        return 1 + max((depth(e) for e in v.values()), default=0)
    return 0


def expect(b: bytes) -> str:
    try:
        value = json.loads(b)
        return "undecodable" if depth(value) > MAX_DEPTH else "ok " + canon(value)
    except json.JSONDecodeError as e:
        return f"err {e.msg}|{e.pos}|{e.lineno}|{e.colno}"
    except (ValueError, RecursionError):
        return "undecodable"


HAND = [
    b"", b" ", b"{", b"[", b"[1,]", b'{"a":1,}', b'{"a" 1}', b'{"a":}', b"{a:1}", b"nul", b"tru", b"NaN",
    b"-Infinity", b"-Inf", b"Infinity", b"nan", b'"abc', b'"a\\', b'"a\\x"', b'"\\u12"', b'"\\u12G4"',
    b'"\\ud800"', b'"\\ud800\\udc00"', b'"\\ud800\\u12"', b'"\\ud800\\uZZZZ"', b'"\\ud800\\"', b'"\\ud800\\u"',
    b'"\\\\\\u00e9', b'"\x01"', b'"\xc3\xa9\x01"', b"\xc3\xa9", b'"\xc3\xa9" x', b"[1 2]", b"1 2", b"01", b"-",
    b"-0", b"-0.0", b"1.", b"1.e5", b"1e", b"1e+", b"1E-2", b".5", b"+1", b"[1e999]",
    b"123456789012345678901234567890", b"-123456789012345678901234567890", b"9223372036854775807",
    b"9223372036854775808", b"-9223372036854775808", b"-9223372036854775809", b'\xef\xbb\xbf{"a":1}',
    b'\xef\xbb\xbf{"a":1', b"\xff", b'"\xed\xa0\x80"', b"\xc0\x80", '{"a":1}'.encode("utf-16"),
    '{"a":1'.encode("utf-16-le"), "[1,2]".encode("utf-32"), '["é"]'.encode("utf-16-be"),
    b'{"a":1,"b":2,"a":3}', b"\n\n  [1,\n  x]", b"[\t]", b"[\f]", b'{"\xe2\x82\xac":"\xf0\x9f\x98\x80" x}',
    b"1" * 4301, b"1" * 4300, b'"\\/\\b\\f\\n\\r\\t\\"\\\\"', b"[" * 600 + b"]" * 600, b"[" * 64 + b"]" * 64,
    b"[" * 65 + b"]" * 65, b'{"a":' * 64 + b"1" + b"}" * 64, b'{"a":' * 65 + b"1" + b"}" * 65,
    b"0.1", b"1.7976931348623157e308", b"1.7976931348623159e308", b"4.9e-324", b"2.4703282292062328e-324",
    b"2.4703282292062327e-324", b"9007199254740993", b"9007199254740993.0", b"0.30000000000000004",
    b"123456789012345678901.5e-3", b"1e-400", b"-1e-400", b"1e22", b"1e23", b"8.98846567431158e307",
    b'{"X": [[1, 2.5, "3"]]}', b'{"X": [[1, 2.5, "3"]]} x', b'{"X": [[1, 2.5, "3"],]}',
]
ALPHA = list(b'{}[],:"\\ 0123456789-+.eEtrufalsnNIy\n\t\x01') + [0xC3, 0xA9, 0xFF]


def rand_value(r, d=0):
    k = r.randrange(9 if d < 4 else 5)
    if k == 0:
        return r.choice([None, True, False])
    if k == 1:
        return r.randrange(-(10 ** r.randrange(1, 25)), 10 ** r.randrange(1, 25))
    if k == 2:
        return r.choice([r.uniform(-1e6, 1e6), r.random() * 10 ** r.randrange(-320, 308), float(r.randrange(100)), -0.0])
    if k == 3:
        return "".join(r.choice(["a", "é", '"', "\\", "\n", "\u0001", "😀", "\ud800", "/"]) for _ in range(r.randrange(6)))
    if k == 4:
        return r.choice(["NaN", "x", ""])
    if k in (5, 6):
        return [rand_value(r, d + 1) for _ in range(r.randrange(4))]
    return {str(rand_value(r, d + 1))[:5]: rand_value(r, d + 1) for _ in range(r.randrange(4))}


def mutated(r):
    """A random document, sometimes damaged by a few byte edits."""
    text = json.dumps(rand_value(r), ensure_ascii=r.random() < 0.5, indent=r.choice([None, 1]))
    b = bytearray(text.encode("utf-8", "surrogatepass"))
    for _ in range(r.randrange(4)):
        if not b:
            break
        op, p = r.randrange(3), r.randrange(len(b) + 1)
        if op == 0:
            b.insert(p, r.choice(ALPHA))
        elif p < len(b):
            if op == 1:
                del b[p]
            else:
                b[p] = r.choice(ALPHA)
    return bytes(b)


def number(r):
    """A number literal with up to ~50 digits and exponents far past Double's range."""
    digits = "".join(r.choice("0123456789") for _ in range(r.randrange(1, 30)))
    s = r.choice(["", "-"]) + (digits.lstrip("0") or "0")
    if r.random() < 0.6:
        s += "." + "".join(r.choice("0123456789") for _ in range(r.randrange(1, 25)))
    if r.random() < 0.5:
        s += r.choice("eE") + r.choice(["", "+", "-"]) + str(r.randrange(0, 400))
    return s.encode()


def main() -> None:
    r = random.Random(20261125)
    cases = HAND + [mutated(r) for _ in range(700)] + [number(r) for _ in range(500)]
    out = Path(__file__).with_name("json_cases.tsv")
    with out.open("w") as f:
        for c in cases:
            f.write(c.hex() + "\t" + expect(c) + "\n")
    print(f"wrote {len(cases)} cases to {out} with Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
