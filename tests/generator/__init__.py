"""The sample and scale generator (``make sample``, ``make scale``): it writes the clerk-style
exports of ``sample_data/`` and the large folders ``make bench`` reads. It lives under tests/ so
that sample_data/ holds only what a clerk's folder holds; ``generate.py`` is the entry point."""
