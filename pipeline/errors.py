"""The few ways an input can be unusable; each message names the file, sheet, row and the fix.

A ``ReconcileError`` means the run cannot go on (exit status 1). Data that merely disagrees is
never an exception: it becomes a rejected row or a finding.
"""

from __future__ import annotations


class ReconcileError(Exception):
    """An input that cannot be used; ``str(error)`` is the whole message for the clerk."""


class UnreadableFile(ReconcileError):
    """The file cannot be opened or decoded at all."""


class UnknownKind(ReconcileError):
    """A file in which no sheet has a header of any known kind."""


class AmbiguousKind(ReconcileError):
    """A header row that fits two kinds at once."""


class MissingColumns(ReconcileError):
    """A header that is recognised but lacks columns the kind needs."""


class MissingInput(ReconcileError):
    """A kind the run needs is not in the folder at all."""


def where(file: str, sheet: str | None = None, row: int | None = None) -> str:
    """'文件“a.xlsx”工作表“救助”第 5 行' — the place an auditor or clerk can open."""
    text = f"文件“{file}”"
    if sheet:
        text += f"工作表“{sheet}”"
    if row is not None:
        text += f"第 {row} 行"
    return text


def in_words(error: Exception) -> str:
    """What a clerk is told of an error, on the terminal and on the page: the message of an
    unusable input, else a one-line apology; any ID or card number in it masked."""
    from pipeline.privacy import mask_text  # pandas: imported only when something went wrong

    if isinstance(error, ReconcileError):
        return mask_text(f"错误：{error}")
    return mask_text(
        f"内部错误（{type(error).__name__}）：{error}。输入文件未被修改；"
        "请设置 AID_DEBUG=1 重新运行，把输出和输入文件交给维护人员"
    )
