"""The page at the HTTP level (Starlette's TestClient), as the clerk's browser and a hostile one
would use it: uploads checked and refused with the command's words, the run one at a time,
notes kept through runs, CSRF, the login and its slowdown, the host check, downloads confined
to outputs/, and the whole-ID reveal; with unit tests of ``folders.default_period`` and
``folders.safe_name``, and of ``serve``'s refusal to listen unprotected. And what a review found
(eff198f): failed logins sent at once slowed down too; no run while a month's files change, no
change while it runs; a chunked upload refused; the run's end kept through a failed note
re-write; the run ended with the server; links out of the data folder not read; ASCII periods
only; a month of removed files not run; back to the page asked for after a login; no idle lapse
without a password; a disk error said in words.

Runs: one reconciliation of sample_data (uploaded through the page, run through the page) is
shared, read-only, by the tests that only read its results (``reconciled``); a test that changes
the results works on a copy of its data folder (``reconciled_copy``) or starts from nothing.
"""

from __future__ import annotations

import asyncio
import errno
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
from collections.abc import AsyncIterator
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
from pipeline.web import folders, jobs, security, server
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


def stop_run(client: TestClient) -> None:
    """The run ended now, as the server's shutdown ends it: for a test done with it."""
    runner = client.app.state.page.runner
    assert runner.stop() == PERIOD
    runner.wait(RUN_SECONDS)


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


@pytest.mark.parametrize("chunked_with_length", [False, True])
def test_an_upload_without_content_length_is_refused(
    tmp_path: Path, chunked_with_length: bool
) -> None:
    """httpx sends a body given as an iterator chunked, without Content-Length; a body sent
    chunked with a Content-Length as well is refused too (the length is not what is sent)."""
    client = open_page(tmp_path / "data")
    body, content_type = multipart([("bank.csv", GOOD_CSV)])
    headers = {**JSON, "Content-Type": content_type, security.CSRF_HEADER: token(client)}
    if chunked_with_length:
        headers |= {"Content-Length": str(len(body)), "Transfer-Encoding": "chunked"}

    response = client.post(
        f"/period/{PERIOD}/upload",
        content=body if chunked_with_length else iter([body]),
        headers=headers,
    )

    assert response.status_code == 411 and "Content-Length" in response.json()["message"]
    assert not (tmp_path / "data" / "inputs" / PERIOD).exists()


def test_a_disk_error_while_an_upload_is_kept_is_said_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    client = open_page(data)
    csrf = token(client)
    before = paths(data)

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(folders.shutil, "copyfileobj", disk_full)
    [answer] = answers(upload(client, [("bank.csv", GOOD_CSV)], csrf))

    assert answer["kept"] is False
    assert "“bank.csv”未能保存（No space left on device）" in str(answer["message"])
    assert paths(data) == before
    assert list((data / folders.UPLOADS).iterdir()) == []  # the upload's scratch folder is gone


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


def test_a_run_waits_for_files_being_kept_and_files_wait_for_the_run(
    reconciled_copy: TestClient,
) -> None:
    """Planted: an upload or removal of 2021-12 going on (``runner.changing``) as the run is
    asked for; then a removal asked for while the run goes."""
    client = reconciled_copy
    runner = client.app.state.page.runner
    kept = client.app.state.page.data.period_dir(PERIOD) / "参数设置.xlsx"
    csrf = token(client)

    with runner.changing(PERIOD):
        while_changing = start_run(client, csrf)

    assert while_changing.status_code == 409 and "正在上传或移除文件" in told(while_changing)
    assert runner.job is None
    assert start_run(client, csrf).status_code == 202
    with pytest.raises(jobs.Busy, match="正在对账，此时不能更改它的输入文件"):
        runner.may_change(PERIOD)
    removal = post(client, f"/period/{PERIOD}/remove", csrf, name=kept.name)
    flashed = told(client.get(f"/period/{PERIOD}"))
    assert runner.running() is not None  # so it was running at the removal
    stop_run(client)

    assert removal.status_code == 303 and "正在对账，此时不能更改它的输入文件" in flashed
    assert kept.is_file()


def test_the_runs_end_survives_a_note_that_cannot_be_written_again(
    reconciled_copy: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planted: a note saved while the run goes, and the history refusing it when the run's end
    writes it again."""
    client = reconciled_copy
    finding = finding_ids(client)[0]
    csrf = token(client)
    failure = "处理说明未能保存到运行记录（测试）"

    assert start_run(client, csrf).status_code == 202
    post(client, f"/period/{PERIOD}/findings/{finding}/note", csrf, status="已整改", text="已重发")
    assert client.get("/api/run").json()["running"] is True  # so the note is written again

    def refused(*note: object) -> None:
        raise ReconcileError(failure)

    monkeypatch.setattr(jobs.history, "add_note", refused)
    status = finish(client)

    assert status["ok"] is True and failure in str(status["message"])
    assert start_run(client, csrf).status_code == 202
    stop_run(client)


def test_a_month_whose_files_are_all_removed_is_not_run(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "inputs" / PERIOD
    client = open_page(tmp_path / "data")
    csrf = token(client)
    answers(upload(client, [("bank.csv", GOOD_CSV)], csrf))
    post(client, f"/period/{PERIOD}/remove", csrf, name="bank.csv")
    assert [p.name for p in folder.iterdir()] == [folders.REMOVED]

    refused = start_run(client, csrf)

    assert refused.status_code == 400 and "还没有文件" in told(refused)
    assert client.app.state.page.runner.job is None


def test_stopping_the_server_ends_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data / "inputs" / PERIOD)
    app = create_app(Settings(data))
    runner = app.state.page.runner

    with TestClient(app, base_url="http://127.0.0.1") as client:  # runs the lifespan
        assert start_run(client, token(client)).status_code == 202

    assert f"{PERIOD} 的对账随页面一起中止" in capsys.readouterr().err
    runner.wait(RUN_SECONDS)
    assert runner.job is not None and "退出码 -15" in runner.job.message  # SIGTERM
    assert WORKBOOK not in {p.name for p in (data / "outputs").iterdir()}


COUNT_CELL = re.compile(r'<td class="num">[0-9][0-9,]*</td>')  # rows read, kept or rejected


def test_a_link_leading_out_of_the_data_folder_is_not_read(tmp_path: Path) -> None:
    """Planted: sample_data as 2021-12's files, but its bank file is a link to a copy outside
    the data folder (a folder the command would read and count whole)."""
    outside = tmp_path / "elsewhere" / "bank_2021Q2.csv"
    outside.parent.mkdir()
    outside.write_bytes(GOOD_CSV)
    folder = tmp_path / "data" / "inputs" / PERIOD
    shutil.copytree(SAMPLE, folder)
    (folder / outside.name).unlink()
    (folder / outside.name).symlink_to(outside)
    client = open_page(tmp_path / "data")
    leading_out = f"指向数据目录以外的链接（{outside.name}）"

    files = client.get(f"/period/{PERIOD}/files").text
    refused = start_run(client, token(client))

    assert leading_out in files
    assert all(f"<td>{name}</td>" in files for name, _ in sample_files())
    assert COUNT_CELL.search(files) is None and "校验报告" not in files
    assert refused.status_code == 400 and leading_out in told(refused)


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


def test_failed_logins_sent_at_once_are_slowed_down_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planted: five wrong passwords sent at once, each form arriving in two parts (as over a
    network): one is heard, the others wait for it."""
    monkeypatch.setattr(security, "FAILURE_DELAY_SECONDS", 0)
    app = create_app(Settings(tmp_path / "data", password=PASSWORD))

    async def five_at_once() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            found = CSRF_META.search((await client.get("/login")).text)
            assert found is not None
            form = urllib.parse.urlencode({"password": "wrong", "csrf": found.group(1)}).encode()

            async def in_two_parts() -> AsyncIterator[bytes]:
                yield form[:10]
                await asyncio.sleep(0)  # the rest still on its way: the others are heard meanwhile
                yield form[10:]

            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            return await asyncio.gather(
                *(client.post("/login", content=in_two_parts(), headers=headers) for _ in range(5))
            )

    said = sorted(
        (r.status_code, "密码不对" in r.text, "秒后再试" in r.text)
        for r in asyncio.run(five_at_once())
    )

    assert said == [(401, True, False)] + [(429, False, True)] * 4


def test_a_login_lands_on_the_page_asked_for(locked: tuple[TestClient, list[float]]) -> None:
    client, _ = locked
    asked = f"/period/{PERIOD}/findings?rule=R19"

    sent_to_login = client.get(asked, follow_redirects=False)
    posted = client.post(f"/period/{PERIOD}/run", follow_redirects=False)
    logged_in = post(
        client, sent_to_login.headers["location"], token(client, "/login"), password=PASSWORD
    )

    assert sent_to_login.headers["location"] == "/login?next=" + urllib.parse.quote(asked)
    assert posted.headers["location"] == "/login?next=/"  # a form's POST cannot be sent again
    assert logged_in.status_code == 303 and logged_in.headers["location"] == asked


def test_the_session_lapses_when_idle_only_with_a_password(tmp_path: Path) -> None:
    """Without a password there is no login to lapse: a session cookie of the browser's session
    (no Max-Age, no Expires); with one, it lapses after ``IDLE_SECONDS`` unused."""
    open_cookie = open_page(tmp_path / "open").get("/history").headers["set-cookie"].lower()
    locked = open_page(tmp_path / "locked", password=PASSWORD)
    locked_cookie = locked.get("/login").headers["set-cookie"].lower()

    assert all(c.startswith("aid_fund_session=") for c in (open_cookie, locked_cookie))
    assert "max-age" not in open_cookie and "expires" not in open_cookie
    assert f"max-age={security.IDLE_SECONDS}" in locked_cookie


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
        "/period/٢٠٢١-12",  # Arabic-Indic digits: \d matches them, a folder name must not
    ):
        response = client.get(path)
        assert response.status_code == 400 and "应写成 YYYY-MM" in response.text, path
    outside = client.get("/period/..%2F..")
    assert outside.status_code == 404 and "这个地址没有页面" in outside.text
    for period in ("2021-13", "٢٠٢١-12"):
        sent = upload(client, [("bank.csv", GOOD_CSV)], csrf, period=period)
        assert sent.status_code == 400 and "应写成 YYYY-MM" in sent.json()["message"], period

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
