#!/usr/bin/env python3
"""Mutation score of the compliance suite: how many of the catalogued server bugs it catches.

    scripts/mutation-score.py --quick --require-all

The same as ``activestorage-mutation-score``; the code and its options are ``faults.mutation``.
"""

import sys

from faults.mutation import main

if __name__ == "__main__":
    sys.exit(main())
