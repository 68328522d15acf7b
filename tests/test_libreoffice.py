"""A real spreadsheet program opens the sample workbook (issue 4): LibreOffice, headless.

Recalculation: LibreOffice keeps the cached values of an .xlsx by default (its setting
Formula/Load/OOXMLRecalcMode is "never recalculate"; a file with a wrong cached value comes back
with that wrong value), so every run here uses its own user profile whose
registrymodifications.xcu sets that mode to 0, "always recalculate". LibreOffice then loads the
workbook, recalculates every formula and saves a copy; each formula cell of each sheet of the copy
must hold its cached value, to the fen. ``test_a_wrong_cached_value_is_caught`` proves both halves:
a cached value one fen off survives neither the recalculation nor the comparison.

Printing the whole workbook: nothing on any page prints below 8 pt. The size of text is read
from the PDF (``pdftotext -bbox``: a word's box is as high as its font's ascent and descent), in
units measured in the same run on a calibration page of 10 pt text printed at full size, so the
font LibreOffice substitutes does not matter; ``test_a_shrunk_sheet_is_caught`` proves the
check can fail. Every page's header names the unit, the sheet and the period, its footer
the page number.

Printing: 封面 and 资金使用, each on its own, as LibreOffice prints them to PDF (a copy of the
workbook in which every other sheet is hidden: only ``xl/workbook.xml`` differs, so the sheet is
printed exactly as written, and its pages are known to be its own; printing the whole workbook
would number its pages across all sheets). Every page must be A4; no column may be cut: every row
whose first and last columns hold text has both on one page, and every page shows the first
column (a sheet split across pages sideways has pages of right-hand columns only); a sheet
whose rows fit on one page at full size prints on one page; a Chinese font is embedded. The pages
are also rendered to PNG in ``outputs/libreoffice/`` (``AID_PAGES_DIR=`` to put them elsewhere)
for a person to look at, and the whole workbook's PDF beside them. ``test_a_cut_column_is_caught``
proves the check can fail.

Nothing here depends on which sheets or columns the workbook has: formulas, first and last
columns and their texts are found in the file. Each start of LibreOffice costs a second or more,
so it starts twice: once to recalculate every workbook checked here, once to print every sheet
and the whole workbook.
Where LibreOffice, poppler-utils or a Chinese font is missing, these tests skip (their reasons
start with ``LIBREOFFICE_SKIP``), and the terminal summary says so in red (``tests/conftest.py``).
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

LIBREOFFICE_SKIP = "NOT CHECKED IN LIBREOFFICE:"
ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(os.environ.get("AID_PAGES_DIR") or ROOT / "outputs" / "libreoffice")
PRINTED = ("封面", "资金使用")
SMALLEST_PT = 8  # nothing printed smaller (pipeline.workbook.cells.SMALLEST_PRINTED_PT)
CALIBRATION_PT = 10
MARGIN = 45  # points: the header and footer sit above and below (xlsxwriter's margins: 54, 21.6)
INSTALL = (
    "run `make libreoffice` as root, or "
    "`apt-get install --no-install-recommends libreoffice-calc-nogui poppler-utils fonts-wqy-zenhei`"
)
A4 = (595.28, 841.89)  # points
TIMEOUT = 300  # seconds for one LibreOffice run; the first start of a profile takes longest
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


# ---- what is installed -------------------------------------------------------------------------


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.skip(f"{LIBREOFFICE_SKIP} LibreOffice missing (no soffice on PATH): {INSTALL}")
    return found


def _chinese_fonts() -> set[str]:
    """Font families that cover Chinese, without spaces: 'WenQuanYiZenHei', …"""
    if not shutil.which("fc-list"):
        return set()
    listed = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    return {
        name.strip().replace(" ", "") for line in listed.splitlines() for name in line.split(",")
    }


def _printing_tools() -> None:
    missing = [
        tool for tool in ("pdfinfo", "pdftotext", "pdftoppm", "pdffonts") if not shutil.which(tool)
    ]
    if missing:
        pytest.skip(f"{LIBREOFFICE_SKIP} poppler-utils missing ({', '.join(missing)}): {INSTALL}")
    if not _chinese_fonts():
        pytest.skip(f"{LIBREOFFICE_SKIP} no Chinese font (fc-list :lang=zh is empty): {INSTALL}")


# ---- LibreOffice -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Office:
    """soffice with a user profile of its own that recalculates every formula on load."""

    program: str
    profile: Path

    @classmethod
    def make(cls, program: str, profile: Path) -> Office:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, "utf-8")
        return cls(program, profile)

    def convert(self, sources: list[Path], to: str, out_dir: Path) -> dict[str, Path]:
        """``soffice --convert-to``: load each source (recalculating), then save it as ``to``
        into out_dir; by the sources' stems, which must differ."""
        out_dir.mkdir(parents=True, exist_ok=True)
        command = [
            self.program,
            f"-env:UserInstallation={self.profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out_dir),
            *map(str, sources),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        targets = {source.stem: out_dir / f"{source.stem}.{to}" for source in sources}
        assert len(targets) == len(sources), sources
        missing = [target.name for target in targets.values() if not target.exists()]
        assert done.returncode == 0 and not missing, (missing, done.stdout, done.stderr)
        return targets


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Office:
    return Office.make(_soffice(), tmp_path_factory.mktemp("libreoffice-profile"))


# ---- recalculated against cached ---------------------------------------------------------------


def _fen(value: object) -> int:
    """A number as integer fen (a count × 100), rounded to the fen from its decimal text."""
    return round(Decimal(str(value)) * 100)


def _same(cached: object, recalculated: object) -> bool:
    numbers = (int, float)
    if isinstance(cached, bool) or isinstance(recalculated, bool):
        return type(cached) is type(recalculated) and cached == recalculated
    if isinstance(cached, numbers) and isinstance(recalculated, numbers):
        # Equal to the fen, and beyond that only float noise apart (a 万元 or a rate is not
        # rounded to two decimals).
        return _fen(cached) == _fen(recalculated) and math.isclose(
            cached, recalculated, rel_tol=1e-9, abs_tol=1e-9
        )
    return cached == recalculated


def formula_count(path: Path) -> int:
    """Formula cells as the file's XML has them (<f>), counted without openpyxl."""
    with zipfile.ZipFile(path) as archive:
        return sum(
            len(re.findall(rb"<f[ >/]", archive.read(name)))
            for name in archive.namelist()
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)
        )


def formula_mismatches(original: Path, recalculated: Path) -> tuple[int, list[str]]:
    """(formula cells checked, one line per formula cell whose recalculated value is not its
    cached value, or that is no longer a formula)."""
    formulas = openpyxl.load_workbook(original, data_only=False)
    cached = openpyxl.load_workbook(original, data_only=True)
    again = openpyxl.load_workbook(recalculated, data_only=True)
    again_formulas = openpyxl.load_workbook(recalculated, data_only=False)
    if again.sheetnames != formulas.sheetnames:
        return 0, [f"sheets {formulas.sheetnames} came back as {again.sheetnames}"]
    checked, wrong = 0, []
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                checked += 1
                where = f"{sheet.title}!{cell.coordinate} {cell.value}"
                was = cached[sheet.title][cell.coordinate].value
                now = again[sheet.title][cell.coordinate].value
                if again_formulas[sheet.title][cell.coordinate].data_type != "f":
                    wrong.append(f"{where}: no longer a formula in LibreOffice's copy")
                elif was is None:
                    wrong.append(f"{where}: no cached value")
                elif not _same(was, now):
                    wrong.append(f"{where}: cached {was!r}, LibreOffice {now!r}")
    return checked, wrong


def wrong_cached_value(path: Path) -> Path:
    """A workbook whose 1.10 + 2.20 is cached as 3.31, one fen off, beside totals cached right
    on this sheet and another."""
    book = xlsxwriter.Workbook(path)
    first, second = book.add_worksheet("合计"), book.add_worksheet("人次")
    first.write_column(0, 0, [1.10, 2.20])
    first.write_formula(2, 0, "=SUM(A1:A2)", None, 3.31)
    first.write_formula(3, 0, "=SUM(A1:A2)", None, 3.30)
    second.write_column(0, 0, [100, 54])
    second.write_formula(2, 0, "=SUM(A1:A2)", None, 154)
    book.close()
    return path


@pytest.fixture(scope="module")
def recalculated(office: Office, sample_workbook: Path, tmp_path_factory) -> dict[Path, Path]:
    """The sample workbook and ``wrong_cached_value``'s, each with its copy as LibreOffice
    recalculated and saved it."""
    folder = tmp_path_factory.mktemp("recalculated")
    sources = [sample_workbook, wrong_cached_value(folder / "wrong.xlsx")]
    copies = office.convert(sources, "xlsx", folder / "out")
    return {source: copies[source.stem] for source in sources}


def test_every_recalculated_formula_equals_its_cached_value(
    recalculated: dict[Path, Path], sample_workbook: Path
) -> None:
    checked, wrong = formula_mismatches(sample_workbook, recalculated[sample_workbook])
    assert wrong == []
    assert checked == formula_count(sample_workbook) > 0


def test_a_wrong_cached_value_is_caught(recalculated: dict[Path, Path]) -> None:
    """LibreOffice recalculates the wrong cache to 3.30 and the comparison says so; the totals
    cached right pass."""
    (path,) = [source for source in recalculated if source.name == "wrong.xlsx"]
    checked, wrong = formula_mismatches(path, recalculated[path])
    assert checked == formula_count(path) == 3
    assert wrong == ["合计!A3 =SUM(A1:A2): cached 3.31, LibreOffice 3.3"]


# ---- printed -----------------------------------------------------------------------------------


def _other_print_areas_removed(workbook_xml: str, kept: int) -> str:
    area = r'<definedName name="_xlnm.Print_Area" localSheetId="(\d+)">[^<]*</definedName>'
    return re.sub(
        area, lambda found: found.group(0) if int(found.group(1)) == kept else "", workbook_xml
    )


def only_sheet(source: Path, name: str, target: Path) -> Path:
    """A copy of the workbook in which every sheet but ``name`` is hidden and ``name`` is the
    active one, and only its print area is kept (LibreOffice prints a hidden sheet's print
    area); the rest of the file is byte for byte the same."""
    with zipfile.ZipFile(source) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    names: list[str] = []

    def hide(match: re.Match[str]) -> str:
        tag = re.sub(r'\sstate="[^"]*"', "", match.group(0))
        found = re.search(r'\bname="([^"]*)"', tag)
        names.append(html.unescape(found.group(1)) if found else "")
        return tag if names[-1] == name else tag.replace("<sheet ", '<sheet state="hidden" ', 1)

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info, data in entries:
            if info.filename == "xl/workbook.xml":
                text = re.sub(r"<sheet\s[^>]*>", hide, data.decode("utf-8"))
                assert name in names, (name, names)
                view = f'<workbookView activeTab="{names.index(name)}" firstSheet="0"'
                text = re.sub(r'\s(activeTab|firstSheet)="\d+"', "", text)
                text = text.replace("<workbookView", view, 1)
                text = _other_print_areas_removed(text, names.index(name))
                data = text.encode("utf-8")
            copy.writestr(info, data)
    return target


def _tool(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, (command, done.stderr)
    return done.stdout


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = _tool("pdfinfo", "-f", "1", "-l", "100000", str(pdf))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    return [(float(w), float(h)) for w, h in sizes]


def page_texts(pdf: Path) -> list[str]:
    """Each page's text between its header and footer (``margin_texts``), without any white
    space (so a wrapped cell reads as one)."""
    texts = []
    for number, (width, height) in enumerate(page_sizes(pdf), start=1):
        crop = [
            "-x",
            "0",
            "-y",
            str(MARGIN),
            "-W",
            str(int(width)),
            "-H",
            str(int(height) - 2 * MARGIN),
        ]
        text = _tool("pdftotext", "-f", str(number), "-l", str(number), *crop, str(pdf), "-")
        texts.append(re.sub(r"\s", "", text))
    return texts


def margin_texts(pdf: Path) -> list[tuple[str, str]]:
    """Each page's header and footer: the words within MARGIN of its top and of its bottom,
    without white space."""
    boxes = _tool("pdftotext", "-bbox", str(pdf), "-")
    found = []
    for page in boxes.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        words = re.findall(r'<word [^>]*yMin="([\d.]+)"[^>]*>([^<]*)</word>', page)
        head = "".join(word for y, word in words if float(y) < MARGIN)
        foot = "".join(word for y, word in words if float(y) > height - MARGIN)
        found.append((html.unescape(head), html.unescape(foot)))
    return found


def embedded_fonts(pdf: Path) -> set[str]:
    """Font families in the PDF, without the subset prefix ('BAAAAA+') and spaces."""
    lines = _tool("pdffonts", str(pdf)).splitlines()[2:]
    return {line.split()[0].split("+")[-1].replace(" ", "") for line in lines if line.strip()}


@dataclass(frozen=True)
class Layout:
    """What of a sheet must be seen on paper, found in the file, not assumed."""

    first_texts: set[str]  # texts of the first used column
    pairs: list[tuple[int, str, str]]  # (row, first column's text, last column's text)
    fits_one_page: bool  # the rows at full size fit a page's height


def layout(path: Path, name: str) -> Layout:
    sheet = openpyxl.load_workbook(path)[name]
    texts: dict[tuple[int, int], tuple[str, str]] = {}  # (row, col) → (owner cell, text)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.data_type != "f" and cell.value.strip():
                texts[cell.row, cell.column] = (cell.coordinate, cell.value)
    for merged in sheet.merged_cells.ranges:  # a merged cell's text covers its whole range
        owner = texts.get((merged.min_row, merged.min_col))
        if owner:
            for row_no in range(merged.min_row, merged.max_row + 1):
                for col_no in range(merged.min_col, merged.max_col + 1):
                    texts[row_no, col_no] = owner
    columns = [col for _, col in texts]
    first, last = min(columns), max(columns)
    pairs = []
    for row_no in sorted({row for row, _ in texts}):
        left, right = texts.get((row_no, first)), texts.get((row_no, last))
        if left and right and left[0] != right[0]:
            pairs.append((row_no, _squeeze(left[1]), _squeeze(right[1])))
    landscape = sheet.page_setup.orientation == "landscape"
    margins = sheet.page_margins
    printable = (A4[0] if landscape else A4[1]) - 72 * (margins.top + margins.bottom)
    default = sheet.sheet_format.defaultRowHeight or 15
    height = sum(
        sheet.row_dimensions[row_no].height or default for row_no in range(1, sheet.max_row + 1)
    )
    return Layout(
        {_squeeze(text) for (_, col), (_, text) in texts.items() if col == first},
        pairs,
        height <= printable,
    )


def _squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def print_problems(pdf: Path, expected: Layout) -> list[str]:
    """What is wrong with the printed sheet: not A4, a cut column, too many pages."""
    problems = []
    sizes = page_sizes(pdf)
    for number, size in enumerate(sizes, start=1):
        if not all(abs(a - b) < 1.5 for a, b in zip(sorted(size), A4, strict=True)):
            problems.append(f"page {number} is {size[0]:.1f} × {size[1]:.1f} pt, not A4")
    pages = page_texts(pdf)
    for number, text in enumerate(pages, start=1):
        if not any(first in text for first in expected.first_texts):
            problems.append(f"page {number} shows nothing of the first column: columns are cut")
    for row, left, right in expected.pairs:
        if not any(left in text and right in text for text in pages):
            problems.append(f"row {row}: {left!r} and {right!r} are not on one page")
    if not expected.pairs:
        problems.append("no row has text in both its first and last column to check")
    if expected.fits_one_page and len(pages) != 1:
        problems.append(f"{len(pages)} pages for rows that fit on one")
    return problems


def render(pdf: Path, stem: str) -> list[Path]:
    """The pages as PNG (60 dpi) into PAGES, for a person to look at; the PDF beside them."""
    PAGES.mkdir(parents=True, exist_ok=True)
    for old in [*PAGES.glob(f"{stem}-*.png"), PAGES / f"{stem}.pdf"]:
        old.unlink(missing_ok=True)
    shutil.copyfile(pdf, PAGES / f"{stem}.pdf")
    _tool("pdftoppm", "-r", "60", "-png", str(pdf), str(PAGES / stem))
    return sorted(PAGES.glob(f"{stem}-*.png"))


def wide_sheet(path: Path) -> Path:
    """A workbook of twenty wide columns printed at full size (no fit to page): they run over
    three pages sideways."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("宽表")
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.set_column(0, 19, 12)
    sheet.write_row(0, 0, ["第一列", *(f"列{n}" for n in range(2, 20)), "最后一列"])
    sheet.write_row(1, 0, ["甲", *(n for n in range(2, 20)), "乙"])
    book.close()
    return path


def calibration_sheet(path: Path) -> Path:
    """Words of CALIBRATION_PT printed at full size: the height of their boxes per point."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("校准")
    sheet.set_print_scale(100)
    size = book.add_format({"font_name": "宋体", "font_size": CALIBRATION_PT})
    sheet.write_row(0, 0, ["汉字", "12,345.67", "R07"], size)
    book.close()
    return path


def shrunk_sheet(path: Path) -> Path:
    """Forty wide columns fitted to one page: shrunk far below 8 pt."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("缩小")
    sheet.set_landscape()
    sheet.fit_to_pages(1, 1)
    sheet.set_column(0, 39, 12)
    sheet.write_row(0, 0, [f"列{n}" for n in range(40)])
    book.close()
    return path


def word_heights(pdf: Path) -> list[list[float]]:
    """Per page, the height of every word's box (points), as pdftotext -bbox gives them."""
    boxes = _tool("pdftotext", "-bbox", str(pdf), "-")
    return [
        [float(y_max) - float(y_min) for y_min, y_max in re.findall(WORD_BOX, page)]
        for page in boxes.split("<page ")[1:]
    ]


WORD_BOX = re.compile(r'<word [^>]*yMin="([\d.]+)"[^>]*yMax="([\d.]+)"')


def smallest_text(pdf: Path, per_point: float) -> list[float]:
    """Per page, the size in points of its smallest text."""
    return [min(heights) / per_point if heights else math.inf for heights in word_heights(pdf)]


@pytest.fixture(scope="module")
def printed(office: Office, sample_workbook: Path, tmp_path_factory) -> dict[str, Path]:
    """The PDFs of the sample's sheets in ``PRINTED``, each printed alone, of the whole sample
    workbook ("整本"), and of ``wide_sheet`` ("wide"), ``calibration_sheet`` ("calibration")
    and ``shrunk_sheet`` ("shrunk"), by name; each beside the workbook it was printed from."""
    _printing_tools()
    folder = tmp_path_factory.mktemp("printed")
    sources = [only_sheet(sample_workbook, name, folder / f"{name}.xlsx") for name in PRINTED]
    sources.append(Path(shutil.copyfile(sample_workbook, folder / "整本.xlsx")))
    sources.append(wide_sheet(folder / "wide.xlsx"))
    sources.append(calibration_sheet(folder / "calibration.xlsx"))
    sources.append(shrunk_sheet(folder / "shrunk.xlsx"))
    return office.convert(sources, "pdf", folder)


@pytest.fixture(scope="module")
def per_point(printed: dict[str, Path]) -> float:
    """The height of a word's box per point of font size, on this machine's fonts."""
    (heights,) = word_heights(printed["calibration"])
    assert len(heights) == 3 and max(heights) - min(heights) < 0.01, heights
    return heights[0] / CALIBRATION_PT


def test_nothing_in_the_workbook_prints_below_8_pt(
    printed: dict[str, Path], per_point: float
) -> None:
    pdf = printed["整本"]
    sizes = smallest_text(pdf, per_point)
    small = {
        page: round(size, 2) for page, size in enumerate(sizes, 1) if size < SMALLEST_PT - 0.05
    }
    assert small == {}, f"pages printing below {SMALLEST_PT} pt (page: pt)"
    PAGES.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, PAGES / "整本.pdf")  # for a person to look at every page


def test_a_shrunk_sheet_is_caught(printed: dict[str, Path], per_point: float) -> None:
    (size,) = smallest_text(printed["shrunk"], per_point)
    assert size < SMALLEST_PT - 2


def test_every_page_names_the_unit_the_sheet_and_the_period(
    printed: dict[str, Path], sample_workbook: Path
) -> None:
    """Every page's header: 编制单位, the sheet's name, 期间; its footer: page N of M. The
    sheets print in the workbook's order, each at least one page."""
    sheets = openpyxl.load_workbook(sample_workbook, read_only=True).sheetnames
    margins = margin_texts(printed["整本"])
    named = []
    for number, (head, foot) in enumerate(margins, start=1):
        assert head.startswith("编制单位：裕安区") and head.endswith("期间：2021年12月"), head
        middle = head.removeprefix("编制单位：裕安区").removesuffix("期间：2021年12月")
        assert middle in sheets, (number, head)
        named.append(middle)
        assert f"第{number}页，共{len(margins)}页" in foot, (number, foot)
    assert list(dict.fromkeys(named)) == sheets


@pytest.mark.parametrize("name", PRINTED)
def test_the_sheet_prints_on_a4_without_cut_columns(
    name: str, printed: dict[str, Path], sample_workbook: Path
) -> None:
    pdf = printed[name]
    assert print_problems(pdf, layout(sample_workbook, name)) == []
    fonts = embedded_fonts(pdf)
    assert fonts & _chinese_fonts(), f"no Chinese font among {fonts}: glyphs would be boxes"
    pngs = render(pdf, name)
    assert len(pngs) == len(page_sizes(pdf)) >= 1


def test_each_printed_sheet_is_only_itself(printed: dict[str, Path], sample_workbook: Path) -> None:
    """The hidden sheets are not printed: each PDF holds nothing of the other sheet's first
    column that its own sheet does not have."""
    for name, other in (PRINTED, PRINTED[::-1]):
        own = _all_texts(sample_workbook, name)
        foreign = {text for text in layout(sample_workbook, other).first_texts if len(text) >= 4}
        foreign = {text for text in foreign if not any(text in mine for mine in own)}
        assert foreign
        for number, text in enumerate(page_texts(printed[name]), start=1):
            assert not {t for t in foreign if t in text}, (name, number)


def _all_texts(path: Path, name: str) -> set[str]:
    sheet = openpyxl.load_workbook(path)[name]
    return {
        _squeeze(cell.value)
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.data_type != "f"
    }


def test_a_cut_column_is_caught(printed: dict[str, Path]) -> None:
    """``wide_sheet`` printed: the check finds pages without the first column and a row whose
    ends are on two pages."""
    pdf = printed["wide"]
    problems = print_problems(pdf, layout(pdf.with_suffix(".xlsx"), "宽表"))
    assert len(page_sizes(pdf)) > 1
    assert "page 2 shows nothing of the first column: columns are cut" in problems
    assert "row 1: '第一列' and '最后一列' are not on one page" in problems
    assert f"{len(page_sizes(pdf))} pages for rows that fit on one" in problems


def test_cover_page_one_ends_with_the_signatures_and_page_two_opens_the_work_list(
    printed: dict[str, Path],
) -> None:
    """封面's page 1 is the audit summary an auditor signs: the signature line must not slip
    onto page 2 (a taller row on page 1 pushes it there), which opens with the work list."""
    first, second = page_texts(printed["封面"])[:2]
    assert "制表人" in _squeeze(first) and "结论" in _squeeze(first)
    assert _squeeze(second).startswith("一、待处理的异常")
