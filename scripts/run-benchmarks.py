#!/usr/bin/env python3
"""Time a reduction through active storage servers against bypass (see bench/run_benchmarks.py).

The same as the ``activestorage-bench`` command; ``--help`` lists the options.
"""

import sys

from bench.run_benchmarks import main

if __name__ == "__main__":
    sys.exit(main())
