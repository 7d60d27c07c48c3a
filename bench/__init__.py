"""Benchmarks for Transitions: ``python -m bench`` prints one JSON object of figures.

Every figure is measured against a baseline taken in the same run on the same machine, so the
ratio is meaningful even where the absolute value depends on the hardware. The benchmark builds its
own synthetic vaults (fictional children from :mod:`models.synthetic`) in a temporary folder and
deletes them afterwards. See ``docs/performance.md`` for the figures and what they mean.
"""
