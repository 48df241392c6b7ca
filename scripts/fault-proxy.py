#!/usr/bin/env python3
"""Run the fault proxy: play one named server bug in front of a real active storage server.

    scripts/fault-proxy.py --list
    scripts/fault-proxy.py --fault ignore-selection --port 8090 --upstream http://127.0.0.1:8080
    .venv/bin/pytest compliance -m selection --proxy-url http://127.0.0.1:8090

The same as ``activestorage-fault-proxy``; the code is ``faults.proxy``, the faults are in
``faults/`` (``faults.catalog`` lists the modules).
"""

import sys

from faults.proxy import main

if __name__ == "__main__":
    sys.exit(main())
