"""Helpers shared by the benchmark scripts (``bench.py``, ``scale_bench.py``, ``plot_bench.py``).

They live beside the scripts rather than in the ``assistant`` package because nothing at run time needs
them: statistics, /proc readings (RSS, CPU taken by other processes), questions that miss every cache,
progress lines on stderr and plain-text tables.
"""
