#!/usr/bin/env python3
"""The client's own workload with PyActiveStorage, per emulated link (see bench/client_workload.py).

The same as the ``activestorage-client-bench`` command; ``--help`` lists the options.
"""

import sys

from bench.client_workload import main

if __name__ == "__main__":
    sys.exit(main())
