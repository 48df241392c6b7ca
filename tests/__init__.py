"""The project's own tests: offline unit tests of the compliance package and stack checks.

A package, so pytest puts the repository root on ``sys.path`` and ``import compliance`` works.
"""
