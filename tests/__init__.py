"""The project's own tests: a package, so test modules share helper modules (answers.py, ...)."""
