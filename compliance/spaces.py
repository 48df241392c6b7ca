"""Parameter spaces the suite's tests share with the load mix (bench.loadmix).

Plain data, free of pytest marks, so the load tools can draw the suite's own cases without
importing its test modules.
"""

from __future__ import annotations

#: Array shapes of the operation tests, 1-D to 4-D.
SHAPES = [(10,), (7, 5), (3, 4, 5), (2, 3, 2, 3)]

# (name, shape, selection, needs negative-selection support)
SELECTIONS = [
    ("full", (20,), ((0, 20, 1),), False),
    ("stride2", (20,), ((1, 19, 2),), False),
    ("2d-upstream", (20, 4), ((0, 19, 2), (1, 3, 1)), False),
    ("3d-mixed", (6, 5, 4), ((1, 5, 2), (0, 5, 3), (2, 4, 1)), False),
    ("single-element", (5, 5), ((2, 3, 1), (4, 5, 1)), False),
    ("end-past-length", (10,), ((3, 99, 1),), False),
    ("empty-start-eq-end", (10,), ((4, 4, 1),), False),
    ("empty-start-gt-end", (10,), ((7, 2, 1),), False),
    ("negative-start-end", (100,), ((-10, -2, 3),), True),
    ("negative-stride-upstream", (100,), ((-10, -50, -4),), True),
    ("negative-stride-to-zero", (10,), ((9, -11, -1),), True),
    ("negative-stride-full-reverse", (12,), ((11, -13, -2),), True),
    ("start-below-minus-length", (10,), ((-50, 5, 1),), True),
    ("start-past-length-negative-stride", (10,), ((50, 2, -3),), True),
    ("2d-negative", (8, 6), ((-1, -9, -2), (-5, 6, 2)), True),
    ("4d", (3, 4, 2, 5), ((0, 3, 2), (-1, 0, -1), (0, 2, 1), (1, 5, 2)), True),
]

#: Compression ids and filter pipelines of the compression tests.
COMPRESSIONS = ["gzip", "zlib", "blosc2"]
FILTERS = [(), ("shuffle",), ("shuffle_simd",)]
