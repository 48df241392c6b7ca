#!/usr/bin/env python3
"""Concurrency sweep through active storage servers and bypass (see bench/run_parallel.py).

The same as the ``activestorage-parallel-bench`` command; ``--help`` lists the options.
"""

import sys

from bench.run_parallel import main

if __name__ == "__main__":
    sys.exit(main())
