"""The page in a real browser (issue 15): Debian's chromium, headless, driven through its
chromedriver by Selenium, against the real application served on a free loopback port.

One flow, as a clerk goes through a month, in ordered steps that share the server, the browser
and the data folder (a step fails when an earlier one did): open the page and pick 2021-12;
upload every file of ``sample_data/`` at once through the file input (the page's script posts
them); run the reconciliation and wait for its figures; open the findings list (numbers masked,
one row revealed, filtered, sorted); write a note on the R19 finding, run again and find the
note carried through the run history into the list and the workbook downloaded; the history
page. A second server with a password: the login page, a wrong password, the right one.

Every page is saved as a full-page PNG in ``outputs/page/`` (``AID_PAGES_DIR=`` to put them
elsewhere) for a person to look at. Selenium is given chromium and chromedriver by path, so
Selenium Manager never looks for a browser to download. Where either is missing these tests
skip (their reasons start with ``BROWSER_SKIP``), and the terminal summary says so in red
(``tests/conftest.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import openpyxl
import pytest
import uvicorn
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from pipeline.web.app import Settings, create_app
from pipeline.web.server import address, bind
from tests.builders import SAMPLE
from tests.closes import CLOSES, three_closes

BROWSER_SKIP = "NOT CHECKED IN A BROWSER:"
INSTALL = (
    "run `make browser` as root, or "
    "`apt-get install --no-install-recommends chromium chromium-driver fonts-wqy-zenhei`"
)
ROOT = Path(__file__).resolve().parent.parent
PAGES = Path(os.environ.get("AID_PAGES_DIR") or ROOT / "outputs" / "page")
WIDTH, HEIGHT = 1400, 1000
PERIOD = "2021-12"
WORKBOOK = f"帮扶资金对账_{PERIOD}.xlsx"
RUN_SECONDS = 90  # a run of the sample: a spawned process, a few seconds here
NOTE_STATUS = "追缴中"
NOTE_TEXT = "已联系受助人更换银行卡，12 月 28 日重新发放"
PASSWORD = "裕安区帮扶中心 2021"

# What `python -m pipeline validate sample_data` reports per file (its sheets summed): the
# kinds, and rows read, kept and rejected.
SAMPLE_FILES = {
    "bank_2021Q2.csv": ("银行发放明细", 39, 38, 1),
    "代发回单_2021Q3.txt": ("银行发放明细", 120, 120, 0),
    "代发明细_2021Q1.xlsx": ("银行发放明细", 58, 58, 0),
    "代发明细_2021Q4.xlsx": ("银行发放明细", 35, 35, 0),
    "医保结算核对.csv": ("医保核对", 47, 47, 0),
    "参数设置.xlsx": ("参数·低保标准、参数·资金来源、参数·救助标准、参数·年度目标", 18, 18, 0),
    "困难职工档案.xlsx": ("困难职工档案", 154, 153, 1),
    "救助明细_1-6月.xlsx": ("帮扶救助记录", 102, 99, 3),
    "救助明细_6-12月.xlsx": ("帮扶救助记录", 161, 155, 6),
    "民政核对结果.xlsx": ("民政核对", 135, 135, 0),
    "资金收支台账2021.xlsx": ("资金收支", 9, 9, 0),
}
# The sample run's findings: one of each of these rules (the command's report).
SAMPLE_RULES = ("R03", "R04", "R05", "R07", "R15", "R16", "R18", "R19")
# R03's 受助人 尹文秀, as her aid record has her (救助明细_1-6月.xlsx, 第 69 行).
R03_ID = "341524196803241743"
LONG_DIGITS = re.compile(r"\d{15,}")


# ---- what is installed -------------------------------------------------------------------------


def _programs() -> tuple[str, str]:
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not browser or not driver:
        missing = " and ".join(
            name for name, found in (("chromium", browser), ("chromedriver", driver)) if not found
        )
        pytest.skip(f"{BROWSER_SKIP} {missing} not on PATH: {INSTALL}")
    return browser, driver


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[WebDriver]:
    binary, driver_path = _programs()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # the tests run as root
        "--disable-dev-shm-usage",
        f"--window-size={WIDTH},{HEIGHT}",
        "--lang=zh-CN",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "intl.accept_languages": "zh-CN,zh",
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    yield driver
    driver.quit()


# ---- the server --------------------------------------------------------------------------------


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """The application on a free loopback port, in a thread of its own; its address."""
    listener = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield address(listener).rstrip("/")
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, browser: WebDriver) -> Iterator[str]:
    """The page's address; after ``browser``, so that no server starts where the tests skip."""
    with served(Settings(tmp_path_factory.mktemp("data"))) as url:
        yield url


# ---- looking at the page -----------------------------------------------------------------------

T = TypeVar("T")


def wait(driver: WebDriver, seconds: float, what: str, condition: Callable[[WebDriver], T]) -> T:
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.2).until(condition)
    except TimeoutException:
        shoot(driver, "timeout-" + re.sub(r"\W+", "-", what))
        raise AssertionError(f"waited {seconds} s for {what}; the page: {text(driver)}") from None


def shoot(driver: WebDriver, name: str) -> Path:
    """The whole page as a PNG in PAGES: the window made as tall as the document first."""
    PAGES.mkdir(parents=True, exist_ok=True)
    chrome_height = driver.execute_script("return window.outerHeight - window.innerHeight")
    page_height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, max(HEIGHT, page_height + chrome_height))
    path = PAGES / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(WIDTH, HEIGHT)
    return path


def text(driver: WebDriver, css: str = "main") -> str:
    return str(driver.find_element(By.CSS_SELECTOR, css).text)


def table_rows(table: WebElement) -> list[list[str]]:
    """The cells' texts of each body row of ``table``."""
    return [
        [str(cell.text) for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]


def upload_answers(driver: WebDriver) -> list[str]:
    """The lines of #upload-results once the answer for every file is in (the page then says
    it refreshes the list), else none."""
    lines = text(driver, "#upload-results").splitlines()
    return lines[:-1] if lines and lines[-1].startswith("正在刷新") else []


def document(driver: WebDriver) -> WebElement:
    """The page now loaded (its root element), to tell when another has replaced it."""
    return driver.find_element(By.TAG_NAME, "html")


def reloaded(driver: WebDriver, old: WebElement, seconds: float, what: str, css: str) -> None:
    """Wait for a page to replace ``old`` (``document`` before the action), then for ``css``
    on it."""
    wait(driver, seconds, f"{what}: the page reloaded", lambda _: _stale(old))
    wait(driver, 10, f"{what}: {css}", lambda d: d.find_elements(By.CSS_SELECTOR, css))


def _stale(element: WebElement) -> bool:
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    return False


def finding_row(driver: WebDriver, rule: str) -> WebElement:
    (row,) = [
        row
        for row in driver.find_elements(By.CSS_SELECTOR, "table.findings tbody tr")
        if row.find_element(By.CSS_SELECTOR, "td b").text == rule
    ]
    return row


def run_reconciliation(
    driver: WebDriver, site: str, shot: str | None = None, period: str = PERIOD
) -> None:
    """On the period page: click 开始对账, see the progress, wait for the page with the result."""
    driver.get(f"{site}/period/{period}")
    page = document(driver)
    driver.find_element(By.ID, "run-button").click()
    wait(driver, 10, "the progress box", lambda d: d.find_element(By.ID, "progress").is_displayed())
    if shot:  # once a stage is shown, unless the run is done first
        wait(
            driver,
            30,
            "a stage",
            lambda d: _stale(page) or d.find_elements(By.CSS_SELECTOR, "li.now"),
        )
        if not _stale(page):
            shoot(driver, shot)
    reloaded(driver, page, RUN_SECONDS, "the run", "#result")
    assert "对账完成" in text(driver, "#progress"), text(driver, "#progress")
    stages = driver.find_elements(By.CSS_SELECTOR, "#progress li[data-stage]")
    assert [li.get_attribute("class") for li in stages] == ["done"] * 4


def download(driver: WebDriver, folder: Path, name: str) -> Path:
    """Click the period page's download link ``name``; the file once the browser wrote it."""
    target = folder / name
    target.unlink(missing_ok=True)
    driver.find_element(By.LINK_TEXT, name).click()
    wait(driver, 30, f"{name} downloaded", lambda _: target.is_file())
    wait(driver, 30, f"{name} complete", lambda _: not list(folder.glob("*.crdownload")))
    return target


def workbook_notes(path: Path) -> dict[str, tuple[str, str]]:
    """规则 → (处理状态, 处理说明) of each finding on the workbook's 异常清单 sheets, columns found
    by their header text in the first rows."""
    book = openpyxl.load_workbook(path, read_only=True)
    notes = {}
    for sheet in (book[name] for name in book.sheetnames if name.startswith("异常清单")):
        rows = list(sheet.iter_rows(values_only=True))
        (at,) = [
            n for n, row in enumerate(rows[:10]) if {"规则", "处理状态", "处理说明"} <= set(row)
        ]
        header = list(rows[at])
        rule, status, note = (header.index(h) for h in ("规则", "处理状态", "处理说明"))
        for row in rows[at + 1 :]:
            if row[rule]:
                notes[str(row[rule])] = (str(row[status] or ""), str(row[note] or ""))
    return notes


# ---- the month, step by step -------------------------------------------------------------------


def test_1_the_sample_folder_uploaded_at_once_is_listed_with_its_counts(
    browser: WebDriver, site: str
) -> None:
    browser.get(site)
    assert re.fullmatch(rf"{site}/period/\d{{4}}-\d{{2}}", browser.current_url)
    month = browser.find_element(By.CSS_SELECTOR, "form.pick input[name=period]")
    # Set, not typed: the order of a month field's parts follows the browser's language.
    browser.execute_script("arguments[0].value = arguments[1]", month, PERIOD)
    browser.find_element(By.CSS_SELECTOR, "form.pick button[type=submit]").click()
    wait(browser, 10, "the period page", lambda d: d.current_url == f"{site}/period/{PERIOD}")
    assert "还没有文件" in text(browser, "#files")
    shoot(browser, "01-period-empty")

    paths = sorted(SAMPLE.iterdir())
    assert sorted(p.name for p in paths) == sorted(SAMPLE_FILES)
    page = document(browser)
    browser.find_element(By.ID, "file-input").send_keys("\n".join(map(str, paths)))
    said = wait(browser, 60, "an answer for every file", upload_answers)
    assert sorted(line.split("：")[0] for line in said) == sorted(SAMPLE_FILES)
    assert all("：已保存（" in line for line in said), said
    shoot(browser, "02-uploaded")

    reloaded(browser, page, 30, "the upload", "#files table")
    listed = {
        row[0]: (row[1], *map(int, row[2:5]))
        for row in table_rows(browser.find_element(By.CSS_SELECTOR, "#files table"))
    }
    assert listed == SAMPLE_FILES
    shoot(browser, "03-files-listed")


def test_2_a_run_shows_spending_findings_in_transit_rejected_rows_and_downloads(
    browser: WebDriver, site: str
) -> None:
    run_reconciliation(browser, site, shot="04-running")
    result = browser.find_element(By.ID, "result")
    left, right = result.find_elements(By.CSS_SELECTOR, ".columns > div")
    spending, rejected = (table_rows(table) for table in left.find_elements(By.TAG_NAME, "table"))
    (rules,) = (table_rows(table) for table in right.find_elements(By.TAG_NAME, "table"))
    assert spending == [  # the command's report: 本年累计支出, 人次
        ["中央财政专项帮扶资金", "15,000.00", "618,950.00", "139"],
        ["省财政专项帮扶资金", "8,000.00", "298,000.00", "45"],
        ["省总金秋助学资金", "0.00", "30,000.00", "15"],
        ["本级工会经费", "0.00", "38,000.00", "55"],
    ]
    assert {row[0]: row[3] for row in rules} == dict.fromkeys(SAMPLE_RULES, "1")
    assert rejected == [
        ["困难职工档案", "1", "—"],
        ["帮扶救助记录", "9", "5,000.00"],
        ["银行发放明细", "1", "1,800.00"],
    ]
    # Nothing of the sample is in transit on 2021-12-31 (summary.json: every count 0).
    assert left.find_element(By.XPATH, ".//h3[text()='在途']/following-sibling::p[1]").text == "无"
    links = [a.text for a in result.find_elements(By.CSS_SELECTOR, ".downloads a")]
    assert links == [WORKBOOK, "exceptions.csv", "summary.json"]
    shoot(browser, "05-result")


def test_3_the_findings_list_masks_numbers_reveals_one_row_filters_and_sorts(
    browser: WebDriver, site: str
) -> None:
    browser.find_element(By.LINK_TEXT, "异常清单").click()
    wait(
        browser,
        10,
        "the findings list",
        lambda d: d.find_elements(By.CSS_SELECTOR, "table.findings"),
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "table.findings tbody tr")
    assert sorted(row.find_element(By.CSS_SELECTOR, "td b").text for row in rows) == list(
        SAMPLE_RULES
    )
    table = text(browser, "table.findings")
    assert not LONG_DIGITS.findall(table)

    r03 = finding_row(browser, "R03")
    masked = r03.find_element(By.CSS_SELECTOR, "[data-whole=id_no]")
    assert masked.text == R03_ID[:6] + "*" * 8 + R03_ID[-4:]
    r03.find_element(By.CSS_SELECTOR, "button.reveal").click()
    wait(browser, 10, "R03's whole ID number", lambda _: masked.text == R03_ID)
    others = [row.text for row in rows if row != r03]
    assert R03_ID not in "".join(others) and not LONG_DIGITS.findall("".join(others))
    shoot(browser, "06-findings-one-revealed")

    rule = Select(browser.find_element(By.CSS_SELECTOR, "#filters select[name=rule]"))
    rule.select_by_value("R19")  # the page's script sends the form on a change
    wait(browser, 10, "the list of R19", lambda d: "rule=R19" in d.current_url)
    (row,) = browser.find_elements(By.CSS_SELECTOR, "table.findings tbody tr")
    assert row.find_element(By.CSS_SELECTOR, "td b").text == "R19"
    assert "显示 1 / 8 条" in text(browser, "#filters")

    browser.find_element(By.LINK_TEXT, "清除").click()
    sort = Select(browser.find_element(By.CSS_SELECTOR, "#filters select[name=sort]"))
    sort.select_by_value("age")
    wait(browser, 10, "the list by age", lambda d: "sort=age" in d.current_url)
    ages = browser.find_elements(By.CSS_SELECTOR, "table.findings tbody td:nth-child(3)")
    assert [age.text for age in ages] == ["0"] * 8  # all first found this month
    assert (
        Select(
            browser.find_element(By.CSS_SELECTOR, "#filters select[name=sort]")
        ).first_selected_option.text
        == "账龄：最久的在前"
    )


def _note(driver: WebDriver, rule: str = "R19") -> tuple[str, str]:
    row = finding_row(driver, rule)
    status = Select(row.find_element(By.CSS_SELECTOR, "select[name=status]"))
    note = row.find_element(By.CSS_SELECTOR, "textarea[name=text]")
    return status.first_selected_option.text, note.get_attribute("value") or ""


def write_note(driver: WebDriver, rule: str, status: str, note: str) -> None:
    """On the findings list: 处理状态 and 处理说明 of the finding of ``rule``, saved."""
    row = finding_row(driver, rule)
    Select(row.find_element(By.CSS_SELECTOR, "select[name=status]")).select_by_visible_text(status)
    row.find_element(By.CSS_SELECTOR, "textarea[name=text]").send_keys(note)
    page = document(driver)
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    reloaded(driver, page, 10, "the note saved", ".flash.ok")


def test_4_a_note_is_saved_and_carried_through_a_second_run(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/period/{PERIOD}/findings")
    write_note(browser, "R19", NOTE_STATUS, NOTE_TEXT)
    assert re.fullmatch(
        r"已保存 R19-\w+ 的处理状态“追缴中”；下次对账写入工作簿", text(browser, ".flash.ok")
    )
    assert _note(browser) == (NOTE_STATUS, NOTE_TEXT)
    shoot(browser, "07-findings-noted")

    run_reconciliation(browser, site)
    browser.get(f"{site}/period/{PERIOD}/findings")
    assert _note(browser) == (NOTE_STATUS, NOTE_TEXT)


def test_5_the_workbook_downloaded_holds_the_note(
    browser: WebDriver, site: str, downloads: Path
) -> None:
    browser.get(f"{site}/period/{PERIOD}")
    workbook = download(browser, downloads, WORKBOOK)
    untouched = dict.fromkeys(SAMPLE_RULES, ("未处理", ""))
    assert workbook_notes(workbook) == {**untouched, "R19": (NOTE_STATUS, NOTE_TEXT)}


def test_6_the_history_lists_the_month_with_its_workbook(
    browser: WebDriver, site: str, downloads: Path
) -> None:
    browser.find_element(By.LINK_TEXT, "历史").click()
    wait(browser, 10, "the history", lambda d: d.current_url == f"{site}/history")
    (row,) = browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")
    cells = row.find_elements(By.TAG_NAME, "td")
    assert cells[0].text == PERIOD and cells[2].text == "8" and cells[-1].text == WORKBOOK
    shoot(browser, "08-history")
    before = (downloads / WORKBOOK).read_bytes()
    assert download(browser, downloads, WORKBOOK).read_bytes() == before


def test_7_month_to_month_a_note_carries_and_a_fixed_finding_is_resolved(
    browser: WebDriver, tmp_path: Path
) -> None:
    """The sample year as the clerk has it at the October, November and December closes
    (``tests.closes.three_closes``), run in turn. Planted there: JZ20210232's transfer failed
    on 11-15 (R19 from November on) and JZ20210210's missing cash signature (R15) is mended in
    December's export. The clerk notes the R19 in November's list; December lists it 持续,
    first found 2021-11, 31 days old, with the note, and the R15 as 本月解决."""
    data = tmp_path / "data"
    three_closes(data / "inputs")
    with served(Settings(data)) as url:
        for period in CLOSES:
            run_reconciliation(browser, url, period=period)
            if period == "2021-11":
                browser.get(f"{url}/period/{period}/findings")
                write_note(browser, "R19", NOTE_STATUS, NOTE_TEXT)
        browser.get(f"{url}/period/2021-12/findings")
        r19, r15 = finding_row(browser, "R19"), finding_row(browser, "R15")
        assert _note(browser) == (NOTE_STATUS, NOTE_TEXT)
        assert [td.text for td in r19.find_elements(By.TAG_NAME, "td")[1:3]] == [
            "持续\n首次 2021-11",
            "31",
        ]
        assert r15.find_elements(By.TAG_NAME, "td")[1].text.startswith("本月解决")
        shoot(browser, "11-findings-december-after-two-closes")
        browser.get(f"{url}/history")
        periods = [row[0] for row in table_rows(browser.find_element(By.CSS_SELECTOR, "table"))]
        assert periods == ["2021-12", "2021-11", "2021-10"]
        shoot(browser, "12-history-three-closes")


def test_a_password_guards_the_page(browser: WebDriver, tmp_path: Path) -> None:
    with served(Settings(tmp_path, password=PASSWORD)) as url:
        browser.delete_all_cookies()
        browser.get(f"{url}/history")
        assert browser.current_url == f"{url}/login?next=/history"
        assert text(browser, "header") == "帮扶资金对账"  # no way in but the password
        shoot(browser, "09-login")
        field = browser.find_element(By.NAME, "password")
        field.send_keys(PASSWORD + "x")
        field.submit()
        wait(browser, 10, "密码不对", lambda d: "密码不对" in text(d))
        shoot(browser, "10-login-wrong")
        time.sleep(1)  # a failure makes the next attempt wait a second
        field = browser.find_element(By.NAME, "password")
        field.send_keys(PASSWORD)
        field.submit()
        wait(browser, 10, "the history page", lambda d: d.current_url == f"{url}/history")
        assert "退出登录" in text(browser, "header") and "已结账的期间" in text(browser)
