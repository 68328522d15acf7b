"""The page's routes: thin handlers over ``folders`` (files), ``jobs`` (the run), ``pages``
(what is shown) and ``security`` (who may).

In: ``Settings`` — the data folder, the address listened on, the password, the upload limits.
Out: a Starlette application. Pages are rendered on the server with Jinja2 (autoescaped: no
input text becomes markup); a little script of our own (static/page.js, no CDN, no build step)
drops files, follows the run and reveals a whole ID number on a click.

Routes: ``/period/<YYYY-MM>`` 期间 (files, upload, run, the run's figures),
``/period/<YYYY-MM>/findings`` 异常清单, ``/history`` 历史, ``/download/<name>`` an output
file, ``/api/run`` the run's progress, ``/login``.
"""

from __future__ import annotations

import asyncio
import math
import os
import secrets
import sys
import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline import carry
from pipeline.errors import ReconcileError, in_words
from pipeline.notes import WORKBOOK
from pipeline.results import Config
from pipeline.web import folders, pages, security
from pipeline.web.folders import Refused
from pipeline.web.jobs import Busy, Runner

HERE = Path(__file__).parent
MIB = 1024 * 1024
DOWNLOADS = ("exceptions.csv", "summary.json")
MAX_NOTE_CHARS = 2000


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    password: str | None = None
    max_file_bytes: int = 512 * MIB  # one uploaded file
    max_request_bytes: int = 1024 * MIB  # one upload of several files
    max_files: int = 50


class Page:
    """The application's state: the data folder, the run, the folder checks, the guard."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data = folders.data_folder(settings.data_dir)
        self.runner = Runner()
        self.checks = pages.FolderChecks()
        self.guard = security.Guard(settings.password)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))

    def config(self, period: str) -> Config:
        return Config(self.data.period_dir(period), self.data.outputs, period)

    def render(self, request: Request, name: str, status: int = 200, **values: Any) -> Response:
        return self.templates.TemplateResponse(
            request,
            name,
            {
                "csrf": security.csrf_token(request),
                "login_needed": self.guard.login_needed,
                "logged_in": self.guard.logged_in(request),
                "flash": request.session.pop("flash", []),
                "running": self.runner.running(),
                **values,
            },
            status_code=status,
        )


def create_app(settings: Settings) -> Starlette:
    page = Page(settings)
    routes = [
        Route("/", partial(home, page)),
        Route("/login", partial(login, page), methods=["GET", "POST"]),
        Route("/logout", partial(logout, page), methods=["POST"]),
        Route("/period", partial(pick_period, page)),
        Route("/period/{period}", partial(period_page, page)),
        Route("/period/{period}/files", partial(files_table, page)),
        Route("/period/{period}/upload", partial(upload, page), methods=["POST"]),
        Route("/period/{period}/remove", partial(remove, page), methods=["POST"]),
        Route("/period/{period}/run", partial(start_run, page), methods=["POST"]),
        Route("/period/{period}/findings", partial(findings_page, page)),
        Route("/period/{period}/findings/{finding}/note", partial(note, page), methods=["POST"]),
        Route("/period/{period}/findings/{finding}/whole", partial(whole, page), methods=["POST"]),
        Route("/history", partial(history_page, page)),
        Route("/download/{name}", partial(download, page)),
        Route("/api/run", partial(run_status, page)),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=security.allowed_hosts(settings.host)),
        Middleware(
            SessionMiddleware,
            secret_key=secrets.token_urlsafe(32),
            session_cookie="aid_fund_session",
            max_age=None if settings.password is None else security.IDLE_SECONDS,
            same_site="strict",
        ),
        Middleware(Gate, page=page),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=partial(_lifespan, page),
        exception_handlers={
            Refused: lambda request, error: refused(page, request, str(error)),
            ReconcileError: lambda request, error: refused(
                page, request, in_words(error).removeprefix("错误：")
            ),
            HTTPException: lambda request, error: refused(
                page, request, _http_message(error), error.status_code
            ),
        },
    )
    app.state.page = page
    return app


@asynccontextmanager
async def _lifespan(page: Page, app: Starlette) -> AsyncIterator[None]:
    """When the server stops (Ctrl+C), a run still going is ended with it, and the checks."""
    yield
    stopped = page.runner.stop()
    if stopped is not None:
        print(
            f"{stopped} 的对账随页面一起中止，没有写出任何文件：下次打开页面后重新对账",
            file=sys.stderr,
        )
    page.checks.stop()


class Gate:
    """Every request but the login page and the static files needs a login, when there is a
    password; every answer says the browser must not cache it, frame it or guess its type."""

    def __init__(self, app: ASGIApp, page: Page) -> None:
        self.app = app
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        started = False

        async def send_with_headers(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", []).extend(SECURITY_HEADERS)
            await send(message)

        try:
            await self._let_through(request, scope, receive, send_with_headers)
        except Exception as error:  # noqa: BLE001 - no traceback reaches a clerk
            if os.environ.get("AID_DEBUG"):
                raise
            message = in_words(error)
            print(message, file=sys.stderr)  # one line on the terminal the server runs in
            if not started:
                response = refused(self.page, request, message)
                response.status_code = 500
                await response(scope, receive, send_with_headers)

    async def _let_through(
        self, request: Request, scope: Scope, receive: Receive, send: Send
    ) -> None:
        open_paths = scope["path"] == "/login" or scope["path"].startswith("/static/")
        if open_paths or self.page.guard.logged_in(request):
            await self.app(scope, receive, send)
            return
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target = "/login?next=" + urllib.parse.quote(back if request.method == "GET" else "/")
        response: Response = (
            JSONResponse({"message": "请先登录"}, status_code=401)
            if _wants_json(request)
            else RedirectResponse(target, status_code=303)
        )
        await response(scope, receive, send)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (k.encode(), v.encode())
    for k, v in (
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    )
]


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def _checked_form(request: Request, max_files: int = 0) -> Any:
    """The form of a POST, once its CSRF token is found right (header or field)."""
    if request.headers.get(security.CSRF_HEADER) and not security.csrf_sent(request):
        raise HTTPException(403, "页面已过期（安全令牌不符）：请刷新页面后重试")
    form = await request.form(max_files=max_files, max_fields=50, max_part_size=64 * 1024)
    if not security.csrf_sent(request, form.get(security.CSRF_FIELD)):
        raise HTTPException(403, "页面已过期（安全令牌不符）：请刷新页面后重试")
    return form


def _flash(request: Request, kind: str, text: str) -> None:
    request.session["flash"] = [*request.session.get("flash", []), [kind, text]][-5:]


def refused(page: Page, request: Request, message: str, status: int = 400) -> Response:
    if _wants_json(request):
        return JSONResponse({"message": message}, status_code=status)
    return page.render(request, "message.html", status=status, message=message)


def _http_message(error: HTTPException) -> str:
    """Starlette's refusals (a stale CSRF token, a form it cannot parse, no such address) in the
    form the page's script reads: as plain text the clerk saw only "服务器返回 403"."""
    if error.status_code == 404:
        return "这个地址没有页面：请从首页进入"
    if error.detail.isascii():  # Starlette's own words: a form it could not take
        if "Too many files" in error.detail:
            return "一次上传的文件太多：请分几次上传"
        return f"请求无法处理（{error.detail}）：请刷新页面后重试"
    return error.detail


def _period(request: Request) -> str:
    return folders.valid_period(request.path_params["period"])


# --- pages --------------------------------------------------------------------------------


async def home(page: Page, request: Request) -> Response:
    closed = await run_in_threadpool(pages.closed_periods, page.data)
    period = folders.default_period(closed, page.data.input_periods(), pd.Timestamp.now())
    return RedirectResponse(f"/period/{period}", status_code=303)


async def pick_period(page: Page, request: Request) -> Response:
    period = folders.valid_period(request.query_params.get("period", "").strip())
    return RedirectResponse(f"/period/{period}", status_code=303)


async def period_page(page: Page, request: Request) -> Response:
    period = _period(request)
    running = page.runner.running()
    job = page.runner.job
    return page.render(
        request,
        "period.html",
        period=period,
        periods=sorted(set(page.data.input_periods()) | {period}, reverse=True),
        running_here=running is not None and running.period == period,
        files=page.checks.known(page.data, period),  # else the page's script asks for them
        result=await run_in_threadpool(pages.result, page.data, period),
        workbook=pages.workbook_of(page.data, period),
        job=job if job is not None and job.period == period else None,
        limits=(page.settings.max_file_bytes // MIB, page.settings.max_request_bytes // MIB),
    )


async def files_table(page: Page, request: Request) -> Response:
    """The period's files with their counts: the part of the period page its script fetches
    (checking a large folder takes a while)."""
    period = _period(request)
    files = await page.checks.files(page.data, period)
    return page.render(request, "files.html", period=period, files=files)


async def findings_page(page: Page, request: Request) -> Response:
    period = _period(request)
    query = request.query_params
    filters = pages.Filters(
        **{k: query.get(k, "") for k in ("rule", "severity", "state", "note_status", "sort")}
    )
    found = await run_in_threadpool(pages.findings, page.data, period, filters)
    return page.render(
        request,
        "findings.html",
        period=period,
        found=found,
        filters=filters,
        statuses=carry.NOTE_STATUSES,
        query=str(request.url.query),
    )


async def history_page(page: Page, request: Request) -> Response:
    return page.render(
        request, "history.html", closes=await run_in_threadpool(pages.closes, page.data)
    )


# --- changes --------------------------------------------------------------------------------


async def upload(page: Page, request: Request) -> Response:
    period = _period(request)
    limit = page.settings.max_request_bytes
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or "transfer-encoding" in request.headers:
        return JSONResponse({"message": "上传请求缺少长度（Content-Length）"}, status_code=411)
    if int(length) > limit:
        return JSONResponse(
            {
                "message": f"一次上传共 {int(length) / MIB:,.1f} MB，超过上限 {limit // MIB} MB：请分几次上传"
            },
            status_code=413,
        )
    try:
        page.runner.may_change(period)  # said before the files are sent
        form = await _checked_form(request, max_files=page.settings.max_files)
        try:
            uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile)]
            if not uploads:
                return JSONResponse(
                    {"message": "没有收到文件：请选择或拖入要上传的文件"}, status_code=400
                )
            with page.runner.changing(period):  # and no run of the period starts meanwhile
                results = [await _keep(page, period, item) for item in uploads]
        finally:
            await form.close()
    except Busy as busy:
        return JSONResponse({"message": str(busy)}, status_code=409)
    return JSONResponse({"files": results})


async def _keep(page: Page, period: str, item: UploadFile) -> dict[str, Any]:
    name = item.filename or ""
    limit = page.settings.max_file_bytes
    if item.size is not None and item.size > limit:
        message = (
            f"“{name}”有 {item.size / MIB:,.1f} MB，超过每个文件 {limit // MIB} MB 的上限，已拒收"
        )
        return {"name": name, "kept": False, "message": message}
    try:
        kept = await run_in_threadpool(folders.keep, page.data, period, name, item.file)
    except Refused as why:
        return {"name": name, "kept": False, "message": str(why)}
    kinds = "、".join(dict.fromkeys(sheet.info.kind.label for sheet in kept.checked.sheets))
    said = f"已保存（{kinds}）" + ("，替换了同名文件" if kept.replaced else "")
    return {"name": kept.name, "kept": True, "message": said}


async def remove(page: Page, request: Request) -> Response:
    period = _period(request)
    form = await _checked_form(request)
    name = str(form.get("name", ""))
    try:
        with page.runner.changing(period):
            moved = await run_in_threadpool(folders.remove, page.data, period, name)
    except Busy as busy:
        _flash(request, "error", str(busy))
    else:
        _flash(
            request, "ok", f"已把“{name}”移到输入目录的“{moved.parent.name}”子目录（不再参与对账）"
        )
    return RedirectResponse(f"/period/{period}", status_code=303)


async def start_run(page: Page, request: Request) -> Response:
    period = _period(request)
    await _checked_form(request)
    config = page.config(period)
    outside = folders.leading_out(page.data, period)
    if not folders.listing(page.data, period):
        message = f"{period} 的输入目录还没有文件：请先上传本月的导出文件"
        status = 400
    elif outside:
        message = (
            f"{period} 的输入目录里有指向数据目录以外的链接（{'、'.join(outside)}），页面不读取"
            "数据目录以外的文件：请把文件本身复制进来，或删掉这些链接"
        )
        status = 400
    else:
        try:
            page.runner.start(config, period)
            message, status = f"已开始对账 {period}", 202
        except Busy as busy:
            message, status = str(busy), 409
    if _wants_json(request):
        return JSONResponse({"message": message}, status_code=status)
    _flash(request, "ok" if status == 202 else "error", message)
    return RedirectResponse(f"/period/{period}", status_code=303)


async def note(page: Page, request: Request) -> Response:
    period = _period(request)
    finding = request.path_params["finding"]
    form = await _checked_form(request)
    status = str(form.get("status", "")).strip()
    text = str(form.get("text", "")).strip()[:MAX_NOTE_CHARS]
    if status not in carry.NOTE_STATUSES:
        raise Refused(f"处理状态“{status}”不在可选的 {'、'.join(carry.NOTE_STATUSES)} 之中")
    listed = await run_in_threadpool(pages.findings, page.data, period, pages.Filters())
    if not any(row["finding_id"] == finding for row in listed.rows):
        raise Refused(f"{period} 的异常清单里没有异常 {finding}")
    await run_in_threadpool(page.runner.add_note, page.config(period), finding, status, text)
    _flash(request, "ok", f"已保存 {finding} 的处理状态“{status}”；下次对账写入工作簿")
    back = str(form.get("back", ""))
    query = back if back and all(c not in back for c in "/\\:@") else ""
    return RedirectResponse(
        f"/period/{period}/findings?{query}#f-{urllib.parse.quote(finding)}", status_code=303
    )


async def whole(page: Page, request: Request) -> Response:
    period = _period(request)
    await _checked_form(request)
    numbers = await run_in_threadpool(
        pages.whole, page.data, period, request.path_params["finding"]
    )
    return JSONResponse(numbers)


# --- login, downloads, progress ---------------------------------------------------------------


async def login(page: Page, request: Request) -> Response:
    target = request.query_params.get("next", "/")
    target = target if target.startswith("/") and not target.startswith("//") else "/"
    if not page.guard.login_needed:
        return RedirectResponse(target, status_code=303)
    if request.method == "GET":
        return page.render(request, "login.html", target=target)
    form = await _checked_form(request)
    client = request.client.host if request.client else "?"
    wait = page.guard.wait_before(client)  # no await from here to the attempt: one at a time
    if wait > 0:
        message = f"密码错误次数过多，请 {math.ceil(wait)} 秒后再试"  # 0.4 s is not "0 秒"
        return page.render(request, "login.html", status=429, target=target, error=message)
    if page.guard.attempt(request, client, str(form.get("password", ""))):
        return RedirectResponse(target, status_code=303)
    await asyncio.sleep(security.FAILURE_DELAY_SECONDS)
    return page.render(request, "login.html", status=401, target=target, error="密码不对")


async def logout(page: Page, request: Request) -> Response:
    await _checked_form(request)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def download(page: Page, request: Request) -> Response:
    name = request.path_params["name"]
    if not (WORKBOOK.fullmatch(name) or name in DOWNLOADS):
        raise Refused(f"只能下载对账工作簿、exceptions.csv 和 summary.json，没有“{name}”")
    path = page.data.output_file(name)
    return FileResponse(path, filename=name)


async def run_status(page: Page, request: Request) -> Response:
    job = page.runner.job
    return JSONResponse(None if job is None else job.as_json())
