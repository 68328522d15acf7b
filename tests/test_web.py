"""The page at the HTTP level (Starlette's TestClient), as the clerk's browser and a hostile one
would use it: uploads checked and refused with the command's words, the run one at a time,
notes kept through runs, CSRF, the login and its slowdown, the host check, downloads confined
to outputs/, and the whole-ID reveal; with unit tests of ``folders.default_period`` and
``folders.safe_name``, and of ``serve``'s refusal to listen unprotected.

Runs: one reconciliation of sample_data (uploaded through the page, run through the page) is
shared, read-only, by the tests that only read its results (``reconciled``); a test that changes
the results works on a copy of its data folder (``reconciled_copy``) or starts from nothing.
"""

from __future__ import annotations

import html
import re
import shutil
import socket
import sqlite3
import time
import types
import unicodedata
import urllib.parse
import uuid
from contextlib import closing
from pathlib import Path

import httpx2 as httpx
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from pipeline import filetypes, notes, parallel, run
from pipeline.cli import cli
from pipeline.errors import ReconcileError, UnknownKind, UnreadableFile
from pipeline.web import folders, security, server
from pipeline.web.app import Settings, create_app
from tests.builders import SAMPLE, with_check, write_xlsx
from tests.generator import generate

PERIOD = "2021-12"
WORKBOOK = f"帮扶资金对账_{PERIOD}.xlsx"
JSON = {"Accept": "application/json"}
MIB = 1024 * 1024
CSRF_META = re.compile(r'<meta name="csrf" content="([^"]+)">')
PASSWORD = "秘密-123"
STALE = "页面已过期（安全令牌不符）：请刷新页面后重试"
GOOD_XLSX = (SAMPLE / "参数设置.xlsx").read_bytes()
GOOD_CSV = (SAMPLE / "bank_2021Q2.csv").read_bytes()
RUN_SECONDS = 120  # far above the ~6 s a run of sample_data takes

# ---- helpers ------------------------------------------------------------------------------------


def open_page(data: Path, **settings: object) -> TestClient:
    return TestClient(create_app(Settings(data, **settings)), base_url="http://127.0.0.1")


def token(client: TestClient, path: str = "/history") -> str:
    """The session's CSRF token, from a page's <meta name="csrf">."""
    found = CSRF_META.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def multipart(files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body of ``files`` under the field "files", built by hand: httpx would escape a
    newline or NUL in a file name, and a hostile client need not."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, data in files:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                f'filename="{quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + data
            + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(
    client: TestClient, files: list[tuple[str, bytes]], csrf: str | None, period: str = PERIOD
) -> httpx.Response:
    body, content_type = multipart(files)
    headers = {**JSON, "Content-Type": content_type}
    if csrf is not None:
        headers[security.CSRF_HEADER] = csrf
    return client.post(f"/period/{period}/upload", content=body, headers=headers)


def answers(response: httpx.Response) -> list[dict[str, object]]:
    assert response.status_code == 200, response.text
    return response.json()["files"]


def post(client: TestClient, path: str, csrf: str | None, **form: str) -> httpx.Response:
    """A form POST as the page's forms send it (the token as the "csrf" field)."""
    fields = form if csrf is None else {**form, security.CSRF_FIELD: csrf}
    return client.post(path, data=fields, follow_redirects=False)


def told(response: httpx.Response) -> str:
    """What the clerk is told: the JSON message the page's script shows, or the message page
    a plain form gets (HTML-escaped, as the browser would show it)."""
    if response.headers["content-type"].startswith("application/json"):
        return str(response.json()["message"])
    return html.unescape(response.text)


def start_run(client: TestClient, csrf: str) -> httpx.Response:
    return client.post(f"/period/{PERIOD}/run", headers={**JSON, security.CSRF_HEADER: csrf})


def finish(client: TestClient) -> dict[str, object]:
    """The run's status once it has ended."""
    client.app.state.page.runner.wait(RUN_SECONDS)
    status = client.get("/api/run").json()
    assert status["running"] is False, status
    return status


def sample_files() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(SAMPLE.iterdir())]


def paths(folder: Path) -> set[Path]:
    """Every file and folder under ``folder`` but the uploads' scratch folder itself (made on
    the first upload; what is left inside it counts)."""
    return {p for p in folder.rglob("*") if p.name != folders.UPLOADS}


def finding_ids(client: TestClient) -> list[str]:
    page = client.get(f"/period/{PERIOD}/findings").text
    return re.findall(r'<tr id="f-([^"]+)"', page)


def finding_row(client: TestClient, finding_id: str) -> str:
    """The findings page's row of one finding, as HTML."""
    page = client.get(f"/period/{PERIOD}/findings").text
    found = re.search(rf'<tr id="f-{re.escape(finding_id)}".*?</tr>', page, re.DOTALL)
    assert found is not None
    return html.unescape(found.group(0))


def history_file(client: TestClient) -> Path:
    return client.app.state.page.data.outputs / "run_history.sqlite"


def page_notes(client: TestClient) -> list[tuple[str, str, str, str]]:
    """The history's notes, oldest first: finding, status, text, the workbook it came from."""
    with closing(sqlite3.connect(history_file(client))) as db:
        return db.execute(
            "select finding_id, status, text, workbook from notes order by seq"
        ).fetchall()


def write_xls(path: Path, rows: list[list[str]]) -> Path:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("代发")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))
    return path


# ---- the shared run -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """A page whose data folder holds sample_data as 2021-12's inputs, reconciled through the
    page. Read only: a test that changes anything uses ``reconciled_copy``."""
    client = open_page(tmp_path_factory.mktemp("web") / "data")
    csrf = token(client)
    assert all(a["kept"] for a in answers(upload(client, sample_files(), csrf)))
    assert start_run(client, csrf).status_code == 202
    assert finish(client)["ok"] is True
    return client


@pytest.fixture
def reconciled_copy(reconciled: TestClient, tmp_path: Path) -> TestClient:
    """A page of its own over a copy of the shared run's data folder."""
    data = tmp_path / "data"
    shutil.copytree(reconciled.app.state.page.data.root, data)
    return open_page(data)


# ---- 1–5: uploads ----------------------------------------------------------------------------

DIRECTORY = "含有目录或不允许的字符"
HIDDEN = "是隐藏文件、Excel 临时文件或系统保留的名字"
LONG = "太长"
NOT_A_TABLE = "不是表格文件"
UNSAFE_NAMES = [
    ("../evil.xlsx", DIRECTORY),
    ("..\\evil.xlsx", DIRECTORY),
    ("/etc/evil.csv", DIRECTORY),
    ("a/../../b.csv", DIRECTORY),
    ("..", DIRECTORY),
    ("a:b.csv", DIRECTORY),
    ("a\x00b.xlsx", DIRECTORY),
    ("a\nb.xlsx", DIRECTORY),
    (".hidden.xlsx", HIDDEN),
    ("~$lock.xlsx", HIDDEN),
    ("con.xlsx", HIDDEN),
    ("LPT1.csv", HIDDEN),
    ("长" * 70 + ".xlsx", LONG),  # 215 bytes in UTF-8
    ("x.exe", NOT_A_TABLE),
    ("x.pdf", NOT_A_TABLE),
]


def good_bytes(name: str) -> bytes:
    """A file the page keeps under a name of this suffix: only the name is wrong."""
    return GOOD_CSV if name.endswith(".csv") else GOOD_XLSX


def test_unsafe_upload_names_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    data = tmp_path / "data"
    client = open_page(data)
    before = paths(tmp_path)
    response = upload(client, [(name, good_bytes(name)) for name, _ in UNSAFE_NAMES], token(client))
    said = answers(response)
    assert [a["name"] for a in said] == [name for name, _ in UNSAFE_NAMES]  # as sent, unchanged
    for answer, (name, problem) in zip(said, UNSAFE_NAMES, strict=True):
        assert answer["kept"] is False and problem in str(answer["message"]), (name, answer)
    assert paths(tmp_path) == before
    assert not Path("/etc/evil.csv").exists()


@pytest.mark.parametrize(("name", "problem"), UNSAFE_NAMES)
def test_safe_name_refuses(name: str, problem: str) -> None:
    with pytest.raises(folders.Refused, match=re.escape(problem)):
        folders.safe_name(name)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("救助明细.xlsx", "救助明细.xlsx"),
        ("  代发明细.CSV ", "代发明细.CSV"),  # blanks around dropped; the suffix in any case
        (unicodedata.normalize("NFD", "Café.xlsx"), "Café.xlsx"),  # composed, as Windows shows
        ("console.xlsx", "console.xlsx"),  # a reserved name only as the whole stem
        (
            "x" * (folders.MAX_NAME_BYTES - 5) + ".xlsx",
            "x" * (folders.MAX_NAME_BYTES - 5) + ".xlsx",
        ),
    ],
)
def test_safe_name_keeps(sent: str, kept: str) -> None:
    assert folders.safe_name(sent) == kept


def test_a_name_one_byte_too_long_is_refused() -> None:
    with pytest.raises(folders.Refused, match=LONG):
        folders.safe_name("x" * (folders.MAX_NAME_BYTES - 4) + ".xlsx")


BANK_ROWS = [
    ["户名", "账号", "金额", "交易日期", "状态"],
    ["张三", "6217001234567893", "100.00", "2021-03-10", "成功"],
]


@pytest.mark.parametrize(
    ("name", "disguised"),
    [
        ("救助明细.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
        ("代发明细.xls", "<table><tr><td>户名</td><td>金额</td></tr></table>".encode()),
    ],
)
def test_a_disguised_file_is_refused_in_the_commands_words(
    tmp_path: Path, name: str, disguised: bytes
) -> None:
    client = open_page(tmp_path / "data")
    csrf = token(client)
    good = (
        GOOD_XLSX if name.endswith(".xlsx") else write_xls(tmp_path / name, BANK_ROWS).read_bytes()
    )
    assert answers(upload(client, [(name, good)], csrf))[0]["kept"] is True
    with pytest.raises(UnreadableFile) as command:
        filetypes.check(name, disguised)

    [answer] = answers(upload(client, [(name, disguised)], csrf))

    assert answer == {"name": name, "kept": False, "message": str(command.value)}
    assert (tmp_path / "data" / "inputs" / PERIOD / name).read_bytes() == good


def test_a_file_of_no_known_kind_is_refused_in_the_commands_words(tmp_path: Path) -> None:
    probe = write_xlsx(tmp_path / "库存.xlsx", {"Sheet1": [["品名", "数量"], ["铅笔", "3"]]})
    with pytest.raises(UnknownKind) as command:
        run.load_and_check(probe)
    client = open_page(tmp_path / "data")

    [answer] = answers(upload(client, [(probe.name, probe.read_bytes())], token(client)))

    assert answer == {"name": probe.name, "kept": False, "message": str(command.value)}
    assert not (tmp_path / "data" / "inputs" / PERIOD).exists()


def test_upload_limits(tmp_path: Path) -> None:
    data = tmp_path / "data"
    client = open_page(data, max_file_bytes=1 * MIB, max_request_bytes=3 * MIB)
    csrf = token(client)
    big = b"x" * (MIB + 1)

    one_too_big = answers(upload(client, [("大.csv", big), ("bank.csv", GOOD_CSV)], csrf))

    assert one_too_big[0]["kept"] is False and "超过每个文件 1 MB 的上限" in str(
        one_too_big[0]["message"]
    )
    assert one_too_big[1]["kept"] is True
    assert sorted(p.name for p in (data / "inputs" / PERIOD).iterdir()) == ["bank.csv"]
    before = paths(data)

    too_much = upload(client, [("a.csv", b"x" * 3 * MIB), ("bank2.csv", GOOD_CSV)], csrf)

    assert too_much.status_code == 413 and "超过上限 3 MB" in too_much.json()["message"]
    assert paths(data) == before


def test_an_upload_without_content_length_is_refused(tmp_path: Path) -> None:
    """httpx sends a body given as an iterator chunked, without Content-Length."""
    client = open_page(tmp_path / "data")
    body, content_type = multipart([("bank.csv", GOOD_CSV)])
    headers = {**JSON, "Content-Type": content_type, security.CSRF_HEADER: token(client)}

    response = client.post(f"/period/{PERIOD}/upload", content=iter([body]), headers=headers)

    assert response.status_code == 411 and "Content-Length" in response.json()["message"]
    assert not (tmp_path / "data" / "inputs" / PERIOD).exists()


def test_several_files_are_kept_and_the_same_name_replaces(tmp_path: Path) -> None:
    client = open_page(tmp_path / "data")
    csrf = token(client)
    folder = tmp_path / "data" / "inputs" / PERIOD

    first = answers(upload(client, sample_files(), csrf))

    assert [(a["name"], a["kept"]) for a in first] == [(n, True) for n, _ in sample_files()]
    assert not any("替换" in str(a["message"]) for a in first)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == dict(sample_files())

    [again] = answers(upload(client, [("参数设置.xlsx", GOOD_XLSX)], csrf))

    assert again["kept"] is True and "替换了同名文件" in str(again["message"])
    assert len(list(folder.iterdir())) == len(sample_files())


# ---- 6, 11, 12: runs and notes -------------------------------------------------------------


def test_one_run_at_a_time_and_its_results(tmp_path: Path) -> None:
    client = open_page(tmp_path / "data")
    csrf = token(client)
    answers(upload(client, sample_files(), csrf))

    assert start_run(client, csrf).status_code == 202
    second = start_run(client, csrf)
    during = upload(client, [("bank.csv", GOOD_CSV)], csrf)
    assert client.get("/api/run").json()["running"] is True  # all the above while it ran

    assert second.status_code == 409 and "的对账正在进行" in second.json()["message"]
    assert during.status_code == 409 and "正在对账" in during.json()["message"]
    assert finish(client)["ok"] is True
    outputs = tmp_path / "data" / "outputs"
    assert {WORKBOOK, "summary.json", "exceptions.csv", "run_history.sqlite"} <= {
        p.name for p in outputs.iterdir()
    }
    assert not (tmp_path / "data" / "inputs" / PERIOD / "bank.csv").exists()
    page = client.get(f"/period/{PERIOD}").text
    assert "618,950.00" in page and f'href="/download/{urllib.parse.quote(WORKBOOK)}"' in page


def test_a_month_large_enough_for_worker_processes_runs(tmp_path: Path) -> None:
    """Above ``parallel.PARALLEL_FROM_BYTES`` the run reads files and applies the rules in forked
    workers: the page's run process must be allowed children (a daemonic one is not)."""
    month = tmp_path / "data" / "inputs" / "2021-11"
    generate.main([str(month), "--records", "25000"])
    assert sum(p.stat().st_size for p in month.iterdir()) > parallel.PARALLEL_FROM_BYTES
    client = open_page(tmp_path / "data")
    files = client.get("/period/2021-11/files")  # checked in a process of its own too
    aid_rows = re.search(
        r"<td>救助明细[^<]*</td><td>帮扶救助记录</td>\s*<td[^>]*>([\d,]+)</td>", files.text
    )
    started = client.post(
        "/period/2021-11/run", headers={**JSON, security.CSRF_HEADER: token(client)}
    )

    assert files.status_code == 200 and "校验报告" in files.text and aid_rows is not None
    assert started.status_code == 202
    status = finish(client)
    assert status["ok"] is True, status["message"]
    assert (tmp_path / "data" / "outputs" / "帮扶资金对账_2021-11.xlsx").is_file()


def test_a_note_goes_into_the_history_and_the_next_workbook(reconciled_copy: TestClient) -> None:
    client = reconciled_copy
    data = client.app.state.page.data.root
    finding = finding_ids(client)[0]
    csrf = token(client)
    path = f"/period/{PERIOD}/findings/{finding}/note"
    text = "已发函，追回多发的 100 元"

    saved = post(client, path, csrf, status="追缴中", text=text)

    assert saved.status_code == 303
    assert saved.headers["location"] == f"/period/{PERIOD}/findings?#f-{finding}"
    assert page_notes(client)[-1] == (finding, "追缴中", text, "页面")
    assert "<option selected>追缴中</option>" in finding_row(client, finding)
    assert text in finding_row(client, finding)
    noted = page_notes(client)

    unknown_status = post(client, path, csrf, status="不管了", text=text)
    unknown_finding = post(
        client, f"/period/{PERIOD}/findings/R99-000000000000/note", csrf, status="已整改"
    )

    assert unknown_status.status_code == 400 and "不在可选的" in told(unknown_status)
    assert unknown_finding.status_code == 400 and "R99-000000000000" in told(unknown_finding)
    assert page_notes(client) == noted

    assert start_run(client, csrf).status_code == 202
    assert finish(client)["ok"] is True
    rows = notes.finding_rows(data / "outputs" / WORKBOOK, ("异常编号", "处理状态", "处理说明"))
    assert rows[rows["异常编号"] == finding].values.tolist() == [[finding, "追缴中", text]]
    assert "<option selected>追缴中</option>" in finding_row(client, finding)


def test_notes_from_the_page_and_from_the_workbook_both_reach_the_next_run(
    reconciled_copy: TestClient,
) -> None:
    """Planted: the clerk marks the first finding 已整改 on the page and writes 追缴中 on the
    last one in the workbook's 异常清单 (openpyxl, as Excel would save it). The next run shows
    both, on the page and in its workbook; the others stay 未处理."""
    client = reconciled_copy
    workbook = client.app.state.page.data.outputs / WORKBOOK
    first, *middle, last = finding_ids(client)
    csrf = token(client)
    post(client, f"/period/{PERIOD}/findings/{first}/note", csrf, status="已整改", text="已补签收")
    write_note_in_workbook(workbook, last, "追缴中", "已发函追回")

    assert start_run(client, csrf).status_code == 202
    assert finish(client)["ok"] is True

    rows = notes.finding_rows(workbook, ("异常编号", "处理状态", "处理说明"))
    held = {row[0]: (row[1], row[2]) for row in rows.values.tolist()}
    assert held == {
        first: ("已整改", "已补签收"),
        last: ("追缴中", "已发函追回"),
        **dict.fromkeys(middle, ("未处理", "")),
    }
    assert "<option selected>已整改</option>" in finding_row(client, first)
    assert "<option selected>追缴中</option>" in finding_row(client, last)
    assert "已发函追回" in finding_row(client, last)


def write_note_in_workbook(path: Path, finding_id: str, status: str, text: str) -> None:
    """处理状态 and 处理说明 of one finding written into 异常清单, found by header names."""
    book = openpyxl.load_workbook(path)
    sheet = book["异常清单"]
    header = next(r for r in sheet.iter_rows(max_row=10) if any(c.value == "异常编号" for c in r))
    column = {cell.value: cell.column for cell in header}
    row = next(
        r[0].row
        for r in sheet.iter_rows(min_row=header[0].row + 1)
        if r[column["异常编号"] - 1].value == finding_id
    )
    sheet.cell(row, column["处理状态"], status)
    sheet.cell(row, column["处理说明"], text)
    book.save(path)


def test_a_note_saved_while_a_run_runs_is_kept(reconciled_copy: TestClient) -> None:
    """The run copies the history only as it commits, so a note saved at its start is in that
    copy anyway. The note at risk is one saved between the copy and the rename; the test puts
    the note there by doing what that rename does: the history replaced by its state before the
    note (``before``), while the run still goes."""
    client = reconciled_copy
    history = history_file(client)
    finding = finding_ids(client)[-1]
    csrf = token(client)
    before = shutil.copyfile(history, history.with_name("before.sqlite"))

    assert start_run(client, csrf).status_code == 202
    saved = post(
        client, f"/period/{PERIOD}/findings/{finding}/note", csrf, status="已整改", text="已重发"
    )
    assert page_notes(client)[-1] == (finding, "已整改", "已重发", "页面")
    before.replace(history)
    assert client.get("/api/run").json()["running"] is True  # so it was running at the save

    assert saved.status_code == 303
    assert finish(client)["ok"] is True
    assert page_notes(client)[-1] == (finding, "已整改", "已重发", "页面")
    assert "<option selected>已整改</option>" in finding_row(client, finding)


# ---- 7, 8: CSRF, host, login -----------------------------------------------------------------


def test_changes_need_the_sessions_token(reconciled_copy: TestClient) -> None:
    client = reconciled_copy
    page = client.app.state.page
    data = page.data.root
    finding = finding_ids(client)[0]
    other = TestClient(client.app, base_url="http://127.0.0.1")
    others_token = token(other)
    before, noted = paths(data), page_notes(client)
    changes = {
        "run": (f"/period/{PERIOD}/run", {}),
        "note": (f"/period/{PERIOD}/findings/{finding}/note", {"status": "已整改", "text": "x"}),
        "remove": (f"/period/{PERIOD}/remove", {"name": "参数设置.xlsx"}),
        "whole": (f"/period/{PERIOD}/findings/{finding}/whole", {}),
        "logout": ("/logout", {}),
    }
    own_token = token(client)

    for name, (path, form) in changes.items():
        for sent in (None, "wrong", others_token):
            response = post(client, path, sent, **form)
            assert response.status_code == 403 and STALE in told(response), (name, sent)
    for sent in (None, "wrong", others_token):
        response = upload(client, [("bank.csv", GOOD_CSV)], sent)
        assert response.status_code == 403 and told(response) == STALE, sent

    assert page.runner.job is None
    assert paths(data) == before and page_notes(client) == noted
    assert post(client, changes["whole"][0], own_token).status_code == 200  # the session's own


def test_other_host_names_are_refused(tmp_path: Path) -> None:
    client = open_page(tmp_path / "data")
    assert client.get("/history", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/history", headers={"Host": "localhost:8000"}).status_code == 200


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, list[float]]:
    """A page with a password whose login slowdown runs on a clock the test moves."""
    monkeypatch.setattr(security, "FAILURE_DELAY_SECONDS", 0)
    client = open_page(tmp_path / "data", password=PASSWORD)
    clock = [1000.0]
    client.app.state.page.guard.clock = lambda: clock[0]
    return client, clock


def log_in(client: TestClient, password: str, target: str = "/history") -> httpx.Response:
    csrf = token(client, "/login")
    return post(client, f"/login?next={target}", csrf, password=password)


PAGES = (
    "/",
    f"/period/{PERIOD}",
    f"/period/{PERIOD}/findings",
    "/history",
    "/download/summary.json",
    "/api/run",
)


def test_without_a_login_only_the_login_page_and_static_files_open(
    locked: tuple[TestClient, list[float]],
) -> None:
    client, _ = locked
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/login?next=" + urllib.parse.quote(path)
    asked = client.get("/api/run", headers=JSON)
    assert asked.status_code == 401 and asked.json() == {"message": "请先登录"}
    assert client.post(f"/period/{PERIOD}/run", follow_redirects=False).status_code == 303
    assert client.app.state.page.runner.job is None
    assert client.get("/static/page.css").status_code == 200
    assert client.get("/login").status_code == 200


def test_failed_logins_are_slowed_down_doubling(locked: tuple[TestClient, list[float]]) -> None:
    client, clock = locked

    def refused_for(seconds: int) -> None:
        response = log_in(client, PASSWORD)  # the right password: not heard before the wait
        assert response.status_code == 429 and f"请 {seconds} 秒后再试" in response.text

    for wait in (1, 2, 4):
        failed = log_in(client, "secret")
        assert failed.status_code == 401 and "密码不对" in failed.text
        refused_for(wait)
        clock[0] += wait - 0.5
        refused_for(1)  # half a second left is said as 1 秒, not 0
        clock[0] += 0.5

    logged_in = log_in(client, PASSWORD)

    assert logged_in.status_code == 303 and logged_in.headers["location"] == "/history"
    for path in PAGES:
        opened = client.get(path)
        if path.startswith("/download/"):  # past the login: there is no run to download yet
            assert opened.status_code == 400 and "输出目录里没有" in opened.text
        else:
            assert opened.status_code == 200, path


def test_a_login_lapses_after_login_seconds_and_on_logout(
    locked: tuple[TestClient, list[float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _ = locked
    assert log_in(client, PASSWORD).status_code == 303
    logged_in_at = time.time()

    def seconds_later(seconds: float) -> int:
        """The status of a page opened ``seconds`` after the login, as the login check sees
        the time (the session cookie's own idle limit is not moved)."""
        now = logged_in_at + seconds
        monkeypatch.setattr(security, "time", types.SimpleNamespace(time=lambda: now))
        return client.get("/history", follow_redirects=False).status_code

    assert seconds_later(security.LOGIN_SECONDS - 60) == 200
    assert seconds_later(security.LOGIN_SECONDS + 1) == 303
    assert seconds_later(0) == 200

    assert post(client, "/logout", token(client)).headers["location"] == "/login"
    assert (
        client.get("/history", follow_redirects=False).headers["location"] == "/login?next=/history"
    )


# ---- 9: serve -------------------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """``serve`` replaced by a recorder: what would have been bound and served."""
    calls: list[Settings] = []
    monkeypatch.setattr(server, "serve", lambda settings, port, say: calls.append(settings))
    return calls


def test_serving_beyond_this_computer_needs_a_password(
    tmp_path: Path, served: list[Settings]
) -> None:
    data = tmp_path / "data"

    refused = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--data", str(data)])

    assert (
        refused.exit_code == 2
        and "必须设登录密码" in refused.output
        and "--password" in refused.output
    )
    assert served == [] and not data.exists()
    allowed = CliRunner().invoke(
        cli, ["serve", "--host", "0.0.0.0", "--password", PASSWORD, "--data", str(data)]
    )
    assert allowed.exit_code == 0, allowed.output
    assert served == [Settings(data, "0.0.0.0", PASSWORD)]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert security.is_loopback(host) is loopback


def test_a_taken_port_is_said_in_words() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ReconcileError) as refused:
            server.bind("127.0.0.1", port)
    assert f"端口 {port} 已被占用" in str(refused.value) and f"--port {port + 1}" in str(
        refused.value
    )


# ---- 10, 13: downloads, periods, the whole ID -----------------------------------------------


def test_only_the_runs_outputs_are_downloaded(reconciled: TestClient) -> None:
    outputs = reconciled.app.state.page.data.outputs
    for name in (WORKBOOK, "exceptions.csv", "summary.json"):
        response = reconciled.get("/download/" + urllib.parse.quote(name))
        assert response.status_code == 200 and response.content == (outputs / name).read_bytes()
    history = (outputs / "run_history.sqlite").read_bytes()
    only_outputs = "只能下载对账工作簿、exceptions.csv 和 summary.json"
    no_route = "这个地址没有页面"  # a name with a "/" once decoded matches no route
    for path, said in (
        ("/download/run_history.sqlite", only_outputs),
        ("/download/%2E%2E", only_outputs),
        ("/download/..%2Fx", no_route),
        ("/download/%2Fetc%2Fpasswd", no_route),
        ("/download/..%2Finputs%2F2021-12%2F参数设置.xlsx", no_route),
    ):
        response = reconciled.get(path)
        assert response.status_code in (400, 404) and said in response.text, path
        assert history not in response.content and GOOD_XLSX not in response.content, path
        assert b"root:" not in response.content, path


def test_a_bad_period_is_refused_and_nothing_is_made(tmp_path: Path) -> None:
    data = tmp_path / "data"
    client = open_page(data)
    csrf = token(client)
    before = paths(data)

    for path in (
        "/period/2021-13",
        "/period/%2E%2E",
        "/period/2021-13/findings",
        "/period?period=2021-1",
    ):
        response = client.get(path)
        assert response.status_code == 400 and "应写成 YYYY-MM" in response.text, path
    outside = client.get("/period/..%2F..")
    assert outside.status_code == 404 and "这个地址没有页面" in outside.text
    sent = upload(client, [("bank.csv", GOOD_CSV)], csrf, period="2021-13")
    assert sent.status_code == 400 and "应写成 YYYY-MM" in sent.json()["message"]

    assert paths(data) == before


LONG_DIGITS = re.compile(r"[0-9]{15,}")


def test_the_whole_id_only_on_request(reconciled: TestClient) -> None:
    page = reconciled.get(f"/period/{PERIOD}/findings").text
    assert LONG_DIGITS.search(page) is None
    finding = finding_ids(reconciled)[0]
    masked = re.search(r'data-whole="id_no">([^<]+)<', finding_row(reconciled, finding))
    assert masked is not None

    revealed = reconciled.post(
        f"/period/{PERIOD}/findings/{finding}/whole",
        headers={security.CSRF_HEADER: token(reconciled)},
    )

    assert revealed.status_code == 200
    whole = revealed.json()["id_no"]

    assert len(whole) == 18 and whole == with_check(whole[:17])
    assert masked.group(1) == whole[:6] + "*" * 8 + whole[-4:]


# ---- the period opened first ------------------------------------------------------------------

TODAY = pd.Timestamp("2022-03-15")


@pytest.mark.parametrize(
    ("closed", "with_inputs", "today", "expected"),
    [
        (["2021-12", "2021-11"], ["2022-03"], TODAY, "2022-01"),  # after the last close
        (["2021-12"], [], TODAY, "2022-01"),  # across a year end
        ([], ["2022-02", "2021-12"], TODAY, "2022-02"),  # no close: the latest inputs
        ([], [], TODAY, "2022-02"),  # nothing: last month
        ([], [], pd.Timestamp("2022-01-10"), "2021-12"),  # last month, across a year end
    ],
)
def test_default_period(
    closed: list[str], with_inputs: list[str], today: pd.Timestamp, expected: str
) -> None:
    assert folders.default_period(closed, with_inputs, today) == expected


def test_the_home_page_opens_the_month_after_the_last_close(reconciled: TestClient) -> None:
    response = reconciled.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/period/2022-01"
