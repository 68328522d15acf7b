"""帮扶资金对账: the pipeline, one module per stage.

The flow is ``run`` (check → match → rules ∥ 对账明细 → figures ∥ writing 对账明细 → the rest
of the workbook → commit); ``cli`` is the command line around it and ``results`` the types each stage hands on. The stages, in order:
``load`` (every file read as text) → ``validate`` (pandera, per sheet; the headers and their
aliases are in ``schemas/inputs.py``) with ``normalize`` (cell text → typed values, money as
integer fen) → ``match`` and ``settle`` (aid records ↔ bank rows) → ``rules`` (R01–R23, one
module per family, listed in ``rules/catalogue.py``) → ``aggregate`` (the figures) and
``reconciliation`` (对账明细) → ``indicators`` (绩效指标, one module per 一级指标) → ``summary``
(built once) → ``workbook`` (one module per sheet), ``outputs`` (summary.json, exceptions.csv and
the commit) and ``report`` (the terminal's lines). Beside them: ``params`` (参数设置), ``money``
(元, 万元, 大写), ``privacy`` (--mask, --password), ``history`` (the run history), ``staging``
(atomic outputs), ``parallel`` (a second process), ``progress``, ``workdays``, ``filetypes``
(hostile files) and ``errors``.
"""
