#!/usr/bin/env python3
"""Run the fault proxy: play one named server bug in front of a real active storage server.

    scripts/fault-proxy.py --list
    scripts/fault-proxy.py --fault ignore-selection --port 8090 --upstream http://127.0.0.1:8080
    .venv/bin/pytest compliance -m selection --proxy-url http://127.0.0.1:8090

The faults live in ``scripts/faults/catalog.py``; ``scripts/mutation-score.py`` runs the suite
against each of them in turn.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the faults package
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # the compliance package

from faults.proxy import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
