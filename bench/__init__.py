"""The benchmarks: active storage servers timed against the bypass baseline, every answer checked.

Five entry points share this package: ``bench.run_benchmarks`` (array sizes, boxplots, and
per emulated link with ``--links``), ``bench.run_parallel`` (concurrency sweep),
``bench.client_workload`` (the field's client, PyActiveStorage, on a netCDF4 field per link),
``bench.soak`` and ``bench.locust_run`` (load with every answer checked). The
modules split the work by concern: ``options`` (command-line values), ``stats``, ``results`` (the
JSON layout), ``environment`` (what a run records about the machine and servers), ``runner`` and
``timing`` (timed requests and their checks), ``cli`` (what the entry points do around a run),
``plots``; the links: ``links`` (the public face), ``linkspec`` (presets, parsing),
``toxiproxy`` (its API and process), ``linkcheck`` (configured against measured), ``linkbench``
(per-link runs, crossover); the client workload: ``client_field``, ``client_paths``,
``client_report``; load (``bench.soak``, ``bench.locust_run`` and ``bench/locustfile.py``):
``loadmix`` (the checked request mix both send), ``loadstats``, ``procmem`` (server memory from
/proc). Data, requests, parsing and the oracle are
the compliance suite's own, so a benchmark judges each answer as strictly as the suite does.
"""
