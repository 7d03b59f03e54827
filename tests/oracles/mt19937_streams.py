#!/usr/bin/env python3
"""Oracle for exactspike's numpy-compatible MT19937 (src/ttfs/data/mt19937.rs).

HOW THE FIXTURE WAS MADE
  Regenerate (from the crate root), with any Python that has numpy:
      python3 tests/oracles/mt19937_streams.py
  Writes tests/fixtures/mt19937_streams.json.

  For each seed, three fresh np.random.RandomState(seed) streams give:
    - "u32": raw 32-bit outputs (the bit generator's random_raw), the first 8
      and those at positions 623..627 (around the first regeneration of the
      624-word state) and 1247..1249 (the second);
    - "rand": the first 6 rand() values, as Python repr strings (shortest
      round trip; the Rust test parses them with str::parse and compares with
      ==);
    - "randint": the first 40 randint(n) values for each n in RANDINT_NS.
      RandomState.randint uses numpy's masked rejection on 32-bit draws for
      ranges below 2**32 (mask = smallest 2**k - 1 >= n - 1; a draw is
      rejected while (u32 & mask) > n - 1); n = 1 draws nothing.
"""

import json
import os

import numpy as np

SEEDS = [0, 1, 40, 41, 42, 5489, 4294967295]
RAW_POSITIONS = list(range(8)) + list(range(623, 628)) + list(range(1247, 1250))
RANDINT_NS = [1, 2, 3, 5, 10]


def raw(seed):
    bits = np.random.RandomState(seed)._bit_generator
    values = [int(bits.random_raw()) for _ in range(RAW_POSITIONS[-1] + 1)]
    return [[p, values[p]] for p in RAW_POSITIONS]


def rand(seed):
    stream = np.random.RandomState(seed)
    return [repr(float(stream.rand())) for _ in range(6)]


def randint(seed):
    out = {}
    for n in RANDINT_NS:
        stream = np.random.RandomState(seed)
        draws = [int(stream.randint(n)) for _ in range(40)]
        # randint(1) must not advance the stream; the next raw draw shows it.
        after = int(stream._bit_generator.random_raw())
        out[str(n)] = {"values": draws, "next_u32_after": after}
    return out


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.join(root, "tests", "fixtures", "mt19937_streams.json")
    fixture = {
        "generator": "tests/oracles/mt19937_streams.py (numpy "
        + np.__version__
        + " RandomState; command: python3 tests/oracles/mt19937_streams.py)",
        "streams": [
            {"seed": s, "u32": raw(s), "rand": rand(s), "randint": randint(s)}
            for s in SEEDS
        ],
    }
    with open(out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
