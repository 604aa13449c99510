"""`make bench` / `python -m bench [name ...]`: runs the benchmark modules in this folder (every
bench/bench_*.py with a main(argv) function) and prints their figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    folder = Path(__file__).parent
    return sorted(
        m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_")
    )


def main(argv: list[str]) -> int:
    known = available()
    names = [a for a in argv if a in known] or known
    options = [a for a in argv if a not in known]
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name} ==")
        module.main(options)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
