"""The differential corpus: request bodies for POST /predict, hand-written and generated.

Each case is (name, body bytes, content type or None). The generated part comes from a fixed
seed, so every run sends the same bodies.
"""
from __future__ import annotations

import json
import random

N = 13  # the served model's n_features
JSON_CT = "application/json"

# Two rows as in the seed's README (numpy.random.randn(2, 13).tolist(), written out).
SEED_ROWS = [
    [0.4967141530112327, -0.13826430117118466, 0.6476885381006925, 1.5230298564080254, -0.23415337472333597,
     -0.23413695694918055, 1.5792128155073915, 0.7674347291529088, -0.4694743859349521, 0.5425600435859647,
     -0.46341769281246226, -0.46572975357025687, 0.24196227156603412],
    [-1.913280244657798, -1.7249178325130328, -0.5622875292409727, -1.0128311203344238, 0.3142473325952739,
     -0.9080240755212111, -1.4123037013352915, 1.465648768921554, -0.22577630048653566, 0.0675282046879239,
     -1.4247481862134568, -0.5443827245251827, 0.11092258970986608],
]
# A Boston-housing-like row (CRIM, ZN, INDUS, CHAS, NOX, RM, AGE, DIS, RAD, TAX, PTRATIO, B, LSTAT).
HOUSE = [0.00632, 18.0, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98]


def dumps(value) -> bytes:
    return json.dumps(value).encode()


def row_text(items: list[str]) -> str:
    return "[" + ",".join(items) + "]"


def body_with_row(items: list[str]) -> bytes:
    return ('{"X":[' + row_text(items) + "]}").encode()


def house_items() -> list[str]:
    return [json.dumps(v) for v in HOUSE]


def with_item(index: int, text: str) -> bytes:
    items = house_items()
    items[index] = text
    return body_with_row(items)


def hand_written() -> list[tuple[str, bytes, str | None]]:
    h = house_items()
    cases = [
        # Valid bodies.
        ("seed two rows", dumps({"X": SEED_ROWS}), JSON_CT),
        ("one house row", dumps({"X": [HOUSE]}), JSON_CT),
        ("integers only", dumps({"X": [list(range(N))]}), JSON_CT),
        ("pretty printed", json.dumps({"X": SEED_ROWS}, indent=2).encode(), JSON_CT),
        ("tabs and CRLF", ('{\r\n\t"X" :\t[ ' + row_text(h).replace(",", " ,\r\n ") + " ]\r\n}\r\n").encode(), JSON_CT),
        ("fifty rows", dumps({"X": [HOUSE] * 25 + SEED_ROWS * 12 + [SEED_ROWS[0]]}), JSON_CT),
        ("exponents and signs", body_with_row(["1e-3", "-0", "-0.0", "2E2", "1.5e+1", "0.000001", "1e-400", "123456789012345678",
                                               "9007199254740993", "0.1", "1.7976931348623157e308", "-5e-324", "3.0"]), JSON_CT),
        ("numeric strings accepted", body_with_row(['"1.5"', '" 2 "', '"1_000"', '"1e3"', '"+5"', '".5"', '"5."', '"-0"',
                                                    '"\\t7\\n"', '"0x"'.replace('0x', '8'), '"1_0.0_1"', '"00.5"', '"9"']), JSON_CT),
        ("booleans are numbers in lax mode", with_item(3, "true"), JSON_CT),
        ("false is zero", with_item(3, "false"), JSON_CT),
        ("extra keys ignored", ('{"id": 7, "X":' + "[" + row_text(h) + "]" + ', "meta": {"x": [1, null]}}').encode(), JSON_CT),
        ("extra key with NaN ignored", ('{"X":[' + row_text(h) + '], "note": NaN}').encode(), JSON_CT),
        ("duplicate X, last wins (valid)", ('{"X": 5, "X":[' + row_text(h) + "]}").encode(), JSON_CT),
        ("charset parameter", dumps({"X": [HOUSE]}), "application/json; charset=utf-8"),
        ("vendor +json type", dumps({"X": [HOUSE]}), "application/vnd.evserve+json"),
        ("uppercase content type", dumps({"X": [HOUSE]}), "Application/JSON"),
        ("UTF-8 BOM", b"\xef\xbb\xbf" + dumps({"X": [HOUSE]}), JSON_CT),
        ("UTF-16 body", json.dumps({"X": [HOUSE]}).encode("utf-16"), JSON_CT),
        ("huge but finite ints", body_with_row(["1" + "0" * 300] + h[1:]), JSON_CT),
        # Missing or misplaced X.
        ("lowercase x (seed example)", dumps({"x": SEED_ROWS}), JSON_CT),
        ("empty object", b"{}", JSON_CT),
        ("duplicate X, last wins (invalid)", ('{"X":[' + row_text(h) + '], "X": 5}').encode(), JSON_CT),
        # X of the wrong type.
        ("X is a number", b'{"X": 1}', JSON_CT),
        ("X is a string", b'{"X": "abc"}', JSON_CT),
        ("X is null", b'{"X": null}', JSON_CT),
        ("X is an object", b'{"X": {"0": [1, 2]}}', JSON_CT),
        ("X is a flat list", dumps({"X": HOUSE}), JSON_CT),
        ("X is empty", b'{"X": []}', JSON_CT),
        # Rows of the wrong type or length.
        ("row is a string", b'{"X": ["abc"]}', JSON_CT),
        ("row is null", b'{"X": [null]}', JSON_CT),
        ("rows mixed", ('{"X": [' + row_text(h) + ', "x", [1], null, {"a": 1}, 3]}').encode(), JSON_CT),
        ("empty row", b'{"X": [[]]}', JSON_CT),
        ("row too short", dumps({"X": [HOUSE[:12]]}), JSON_CT),
        ("row too long", dumps({"X": [HOUSE + [1.0]]}), JSON_CT),
        ("row far too long with bad items", dumps({"X": [["a"] * 20]}), JSON_CT),
        ("short row with a bad item", b'{"X": [["a", 1]]}', JSON_CT),
        ("second row too short", dumps({"X": [HOUSE, HOUSE[:3]]}), JSON_CT),
        # Items.
        ("seed example: strings", dumps({"X": [["testing", "data", "validation"]]}), JSON_CT),
        ("non-numeric strings", body_with_row(['"a"', '""', '" "', '"1,5"', '"0x10"', '"1__0"', '"_1"', '"1e"', '"١"',
                                               '"infinit"', '"1 2"', '"--1"', '"e5"']), JSON_CT),
        ("null items", body_with_row(["null"] * N), JSON_CT),
        ("nested objects and lists", with_item(0, '{"b": 1, "a": [1, 2.0, null, true]}'), JSON_CT),
        ("nested list item", with_item(5, "[1, 2]"), JSON_CT),
        ("unicode string item", with_item(2, '"\\u00e9\\n\\"x\\u0001\\u007f\\u2028 \xc3\xa9 \xf0\x9f\x98\x80"'), JSON_CT),
        ("int too large for a double", with_item(1, "1" * 400), JSON_CT),
        ("many errors in many rows", dumps({"X": [[None] * N, ["x"] * N, HOUSE]}), JSON_CT),
        # Non-finite numbers.
        ("NaN string", with_item(0, '"nan"'), JSON_CT),
        ("inf string", with_item(0, '"-Infinity"'), JSON_CT),
        ("overflowing string", with_item(0, '"1e999"'), JSON_CT),
        ("NaN literal", with_item(0, "NaN"), JSON_CT),
        ("Infinity literal", with_item(4, "Infinity"), JSON_CT),
        ("-Infinity literal", with_item(12, "-Infinity"), JSON_CT),
        ("overflowing literal", with_item(7, "1e999"), JSON_CT),
        ("NaN in a too-long row", body_with_row(h + ["NaN"]), JSON_CT),
        ("NaN under a missing X", b'{"x": NaN}', JSON_CT),
        # Invalid JSON.
        ("trailing comma", ('{"X": [' + row_text(h + [""]) + "]}").encode(), JSON_CT),
        ("missing closing brace", ('{"X": [' + row_text(h) + "]").encode(), JSON_CT),
        ("single quotes", b"{'X': [[1]]}", JSON_CT),
        ("unquoted key", b"{X: [[1]]}", JSON_CT),
        ("missing colon", b'{"X" [[1]]}', JSON_CT),
        ("missing comma", b'{"X": [[1 2]]}', JSON_CT),
        ("unterminated string", b'{"X": [["abc]]}', JSON_CT),
        ("invalid escape", b'{"X": [["a\\x"]]}', JSON_CT),
        ("invalid unicode escape", b'{"X": [["\\u12G4"]]}', JSON_CT),
        ("raw control character", b'{"X": [["a\x01"]]}', JSON_CT),
        ("extra data", dumps({"X": [HOUSE]}) + b" []", JSON_CT),
        ("leading zero", b'{"X": [[01]]}', JSON_CT),
        ("bare dot", b'{"X": [[1.]]}', JSON_CT),
        ("nul", b"nul", JSON_CT),
        ("position counts characters", '{"é": "ü", "X": [[1,]]}'.encode(), JSON_CT),
        ("error on line 3", b'{\n  "X": [\n    [1, 2,, 3]\n  ]\n}', JSON_CT),
        ("whitespace only", b"  \n ", JSON_CT),
        ("lowercase nan literal", with_item(0, "nan"), JSON_CT),
        # Body shapes.
        ("empty body", b"", JSON_CT),
        ("body is an array", dumps([HOUSE]), JSON_CT),
        ("body is a string", b'"abc"', JSON_CT),
        ("body is a number", b"5", JSON_CT),
        ("body is null", b"null", JSON_CT),
        ("body is true", b"true", JSON_CT),
        # Content types.
        ("text/plain", dumps({"X": [HOUSE]}), "text/plain"),
        ("form content type", b"X=1", "application/x-www-form-urlencoded"),
        ("jsonx is not json", dumps({"X": [HOUSE]}), "application/jsonx"),
        ("empty content type", dumps({"X": [HOUSE]}), ""),
        ("empty body as text/plain", b"", "text/plain"),
        ("no content type (deliberate difference)", dumps({"X": [HOUSE]}), None),
        ("no content type, invalid body", b'{"X": [[1]]}', None),
        ("nested 60 deep", b'{"X": [[' + b"[" * 60 + b"]" * 60 + b"]]}", JSON_CT),
        # Not text.
        ("invalid UTF-8", b'{"X": [["\xff"]]}', JSON_CT),
        ("integer past 4300 digits", with_item(0, "1" * 4301), JSON_CT),
    ]
    return cases


def _random_item(r: random.Random) -> str:
    k = r.random()
    if k < 0.55:
        v = r.gauss(0, 10 ** r.randint(-3, 4))
        return r.choice([repr(v), "%.17g" % v, "%.3e" % v, "%.4f" % v])
    if k < 0.70:
        return str(r.randint(-1000, 1000))
    if k < 0.78:
        return '"' + r.choice(["%.6g" % r.uniform(-100, 100), " 3.5 ", "1_000", "abc", "", "1e5", "+.5", "x1"]) + '"'
    if k < 0.84:
        return r.choice(["true", "false", "null"])
    if k < 0.92:
        return r.choice(["{}", "[]", '{"a":1}', "[1,2]"])
    if k < 0.93:  # rare: most of these make the oracle fail with a 500
        return r.choice(["NaN", "Infinity", "-Infinity", "1e400", '"nan"', '"inf"'])
    return r.choice(["1" * r.randint(20, 30), "-0", "0.0", "1E+2", "5e-324"])


def _damage(r: random.Random, body: bytes) -> bytes:
    b = bytearray(body)
    p = r.randrange(len(b))
    op = r.randrange(3)
    if op == 0:
        del b[p]
    elif op == 1:
        b.insert(p, r.choice(b'{}[],:"x 1.-e'))
    else:
        b[p] = r.choice(b'{}[],:"x 1.-e')
    return bytes(b)


def generated(count: int = 120, seed: int = 4) -> list[tuple[str, bytes, str | None]]:
    """Random bodies around the valid shape: mostly valid numbers, some wrong items, wrong row
    lengths, wrong keys, extra keys, odd whitespace and a few syntax errors."""
    r = random.Random(seed)
    cases = []
    for n in range(count):
        rows = []
        for _ in range(r.choice([0, 1, 1, 2, 2, 3, 5])):
            length = N if r.random() < 0.8 else r.choice([0, 1, 12, 14, 20])
            clean = r.random() < 0.5
            rows.append([repr(r.uniform(-50, 500)) if clean else _random_item(r) for _ in range(length)])
        space = r.choice(["", " ", "\n  "])
        sep = "," + space
        x = "[" + sep.join("[" + sep.join(row) + "]" for row in rows) + "]"
        key = '"X"' if r.random() < 0.9 else r.choice(['"x"', '"Y"', '"X "'])
        members = [key + ":" + space + x]
        if r.random() < 0.15:
            members.insert(r.randrange(2), '"extra":' + _random_item(r))
        body = ("{" + space + sep.join(members) + space + "}").encode()
        if r.random() < 0.08:
            body = _damage(r, body)
        cases.append((f"generated #{n}", body, JSON_CT))
    return cases


def corpus() -> list[tuple[str, bytes, str | None]]:
    return hand_written() + generated()
