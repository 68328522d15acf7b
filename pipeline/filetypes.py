"""What a file really is, looked at before any parser opens it.

In: a file's name and bytes. Out: nothing when the file can be given to the reader its name
calls for, else an ``UnreadableFile`` whose message says what the file is and what to do:
- empty (0 bytes): an export that did not finish;
- encrypted (an Office file with an opening password): the password must be removed;
- truncated or damaged (a zip that does not open): a download or copy that was cut;
- disguised (a PDF, an image, a web page or an old .xls under a .xlsx name; a web page or an
  .xlsx under a .xls name — some systems export HTML tables named .xls);
- oversized once inflated (a zip bomb): refused from the sizes its directory declares, before
  anything is inflated.
"""

from __future__ import annotations

import io
import zipfile

from pipeline.errors import UnreadableFile, where

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97 compound file: .xls, or encrypted OOXML
# What a disguised file is, by its first bytes (after blanks, lower case for the markup).
MAGIC = (
    (b"%pdf", "一份 PDF 文档"),
    (b"\x89png", "一张 PNG 图片"),
    (b"\xff\xd8\xff", "一张 JPEG 图片"),
    (b"gif8", "一张 GIF 图片"),
    (b"<!doctype html", "网页（HTML）"),
    (b"<html", "网页（HTML）"),
    (b"<table", "网页（HTML）"),
    (b"<?xml", "一份 XML 文件"),
    (b"{\\rtf", "一份 RTF 文档"),
)
MAX_INFLATED = 2 * 1024**3  # bytes a workbook may unpack to: 1,048,576 rows of 30 cells fit
MAX_RATIO = 200  # inflated / compressed for one member bigger than RATIO_FROM
RATIO_FROM = 64 * 1024**2
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def check(name: str, data: bytes) -> None:
    """Raise ``UnreadableFile`` if ``data`` cannot be what ``name`` says (see the module)."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if not data:
        raise UnreadableFile(
            f"{where(name)}是空文件（0 字节）：导出可能没有完成。请重新导出后再放入输入目录"
        )
    if data.startswith(OLE):
        _check_ole(name, data, suffix)
    elif suffix in WORKBOOK_SUFFIXES and not data.startswith(ZIP):
        raise _disguised(name, data, "Excel 工作簿（.xlsx）")
    elif suffix == ".xls" and not data.startswith(ZIP):
        raise _disguised(name, data, "Excel 97 工作簿（.xls）")
    if data.startswith(ZIP):
        _check_zip(name, data, suffix)


def _check_ole(name: str, data: bytes, suffix: str) -> None:
    if _encrypted(data):
        raise UnreadableFile(
            f"{where(name)}设有打开密码（已加密），无法读取。请在 Excel 中打开它，"
            "“文件 → 信息 → 保护工作簿 → 用密码进行加密”里删除密码并保存，再放入输入目录"
        )
    if suffix != ".xls":
        raise UnreadableFile(
            f"{where(name)}其实是旧版 Excel 97 工作簿（.xls），却以 {suffix or '无扩展名'} 命名。"
            "请把扩展名改为 .xls，或用 Excel 打开后另存为 .xlsx"
        )


def _encrypted(data: bytes) -> bool:
    from msoffcrypto import OfficeFile  # imported only for Office 97 containers
    from msoffcrypto.exceptions import FileFormatError

    try:
        return bool(OfficeFile(io.BytesIO(data)).is_encrypted())
    except (FileFormatError, OSError, ValueError, AssertionError, KeyError):
        return False  # not one msoffcrypto knows: the reader will say what is wrong


def _check_zip(name: str, data: bytes, suffix: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise UnreadableFile(
            f"{where(name)}不完整或已损坏（{error}），可能是下载或复制时中断。"
            "请重新导出或重新复制后再放入输入目录"
        ) from error
    inflated = sum(member.file_size for member in members)
    swollen = [
        m
        for m in members
        if m.file_size > RATIO_FROM and m.file_size > MAX_RATIO * max(m.compress_size, 1)
    ]
    if inflated > MAX_INFLATED or swollen:
        ratio = inflated / max(sum(m.compress_size for m in members), 1)
        raise UnreadableFile(
            f"{where(name)}声明解压后有 {inflated / 1024**3:.2f} GB（文件本身 "
            f"{len(data) / 1024**2:.1f} MB，压缩比 {ratio:,.0f}:1），不像任何导出的表格，"
            "可能是恶意构造的“压缩炸弹”，已拒绝读取（没有解压）。请向文件来源核实"
        )
    if suffix == ".xls":
        raise UnreadableFile(
            f"{where(name)}其实是 .xlsx 工作簿，却以 .xls 命名。请把扩展名改为 .xlsx 后再放入输入目录"
        )


def _disguised(name: str, data: bytes, expected: str) -> UnreadableFile:
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    kind = next((label for magic, label in MAGIC if head.startswith(magic)), None)
    what = f"内容其实是{kind}" if kind else "内容却不是表格文件"
    advice = (
        "请用 Excel 打开它后另存为 .xlsx，再放入输入目录"
        if kind in ("网页（HTML）", "一份 XML 文件")
        else "请确认放入的是系统导出的表格文件"
    )
    return UnreadableFile(f"{where(name)}名为 {expected}，{what}。{advice}")
