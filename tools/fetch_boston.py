#!/usr/bin/env python3
"""Copies the Boston housing CSV out of the scikit-learn 1.1.3 wheel, byte for byte.

scikit-learn removed `load_boston` in 1.2, so the data is taken from the last wheel that ships it.
The file keeps its original row order and its first line, a count line ("506,13,...") that comes
before the header. The shuffle scikit-learn's examples apply is computed separately
(tools/generate_dataset_swift.py) so that the committed CSV stays identical to the wheel's file.

Usage: python3 tools/fetch_boston.py   (needs pip and network access to PyPI)
"""
import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile

WHEEL_VERSION = "1.1.3"
MEMBER = "sklearn/datasets/data/boston_house_prices.csv"
# sha256 of the member as shipped in every scikit-learn 1.1.3 wheel; checked so a changed file is noticed.
SHA256 = "d98212636026544fc9b9c0f372e5f819872e6fa6fa757ab025efdda22180f2d6"
ROOT = pathlib.Path(__file__).resolve().parent.parent
DESTINATION = ROOT / "Sources" / "Inference" / "Data" / "boston_house_prices.csv"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             f"scikit-learn=={WHEEL_VERSION}", "-d", tmp],
            check=True,
        )
        wheels = sorted(pathlib.Path(tmp).glob("scikit_learn-*.whl"))
        if not wheels:
            print("pip download produced no scikit-learn wheel", file=sys.stderr)
            return 1
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(MEMBER)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        print(f"{MEMBER}: sha256 {digest}, expected {SHA256}", file=sys.stderr)
        return 1
    DESTINATION.parent.mkdir(parents=True, exist_ok=True)
    DESTINATION.write_bytes(data)
    print(f"wrote {DESTINATION.relative_to(ROOT)} ({len(data)} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
