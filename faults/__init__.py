"""Fault injection for the compliance suite: a catalogue of realistic server bugs and a proxy.

``faults.messages`` models HTTP exchanges and a successful answer in v1 and v2 framing;
``faults.registry`` defines a fault and the decorators that register one; the side modules
(``request``, ``request_players``, ``cache``, ``response``, ``framing``, ``error``) hold the
named faults, each a function of a request and a way to forward it upstream, and
``faults.catalog`` imports them all. ``faults.proxy`` is the HTTP server that plays one of them
in front of a real server (``activestorage-fault-proxy``, ``scripts/fault-proxy.py``);
``faults.mutation`` measures how many of the faults the suite catches
(``activestorage-mutation-score``, ``scripts/mutation-score.py``).
"""

from . import catalog  # noqa: F401 (importing the package registers every fault)
