"""Fault injection for the compliance suite: a catalogue of realistic server bugs and a proxy.

``faults.messages`` models HTTP exchanges and a successful answer in v1 and v2 framing;
``faults.catalog`` holds the named faults, each a pure function of a request and a way to forward
it upstream; ``faults.proxy`` is the HTTP server that plays one of them in front of a real server.
``scripts/fault-proxy.py`` runs the proxy and ``scripts/mutation-score.py`` measures how many of
the faults the suite catches.
"""
