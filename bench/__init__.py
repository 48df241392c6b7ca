"""The benchmarks: active storage servers timed against the bypass baseline, every answer checked.

Two entry points share this package: ``bench.run_benchmarks`` (array sizes, boxplots) and
``bench.run_parallel`` (concurrency sweep). The modules split the work by concern: ``options``
(command-line values), ``stats``, ``results`` (the JSON layout), ``environment`` (what a run
records about the machine and servers), ``runner`` (timed requests and their checks), ``cli``
(what both entry points do around a run) and ``plots``. Data, requests, parsing and the oracle are
the compliance suite's own, so a benchmark judges each answer as strictly as the suite does.
"""
