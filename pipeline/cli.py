"""The command line: options → ``run``; errors → exit status (0 written, 1 input unusable, 2 usage).

No domain logic here. A ``ReconcileError`` prints its message (file, sheet, row, column and the
fix) and exits 1; anything unexpected prints a one-line apology instead of a traceback, unless
``AID_DEBUG=1`` asks for the traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pipeline import privacy, progress, report, run, staging
from pipeline.errors import ReconcileError, in_words
from pipeline.results import Config

INPUT_DIR = click.Path(exists=True, file_okay=False, path_type=Path)
MASK_HELP = "身份证号、银行卡号只显示前 6 位和后 4 位（341503********1234），供外送的副本使用"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aid-fund-reconcile")
def cli() -> None:
    """帮扶资金对账：读取一个目录里的全部导出文件，校验、对账并写出工作簿。"""


@cli.command("validate")
@click.argument("input_dir", type=INPUT_DIR)
@click.option("--mask", is_flag=True, help=MASK_HELP)
def validate_command(input_dir: Path, mask: bool) -> None:
    """逐个文件、逐个工作表校验输入：种类、行数、拒收的行及原因。"""
    checked = _guarded(lambda: run.check(input_dir, progress.for_terminal()))
    for line in report.validation_lines(checked):
        click.echo(privacy.mask_text(line) if mask else line)


@cli.command("reconcile")
@click.argument("input_dir", type=INPUT_DIR)
@click.option(
    "--out",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="输出目录",
)
@click.option("--period", help="对账月份 YYYY-MM，默认取最晚的救助日期所在月份")
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="上年 12 月的 summary.json（代替输出目录里的运行记录）",
)
@click.option("--mask", is_flag=True, help=MASK_HELP)
@click.option(
    "--password",
    is_flag=False,
    flag_value="",
    default=None,
    help="给工作簿加密码（邮件外送）；只写 --password 时提示输入，不留在命令历史里",
)
@click.option(
    "--timings",
    type=click.Path(dir_okay=False, path_type=Path),
    help="把各阶段的用时和内存峰值写成 JSON（性能测量用，见 make bench）",
)
def reconcile_command(
    input_dir: Path,
    output_dir: Path,
    period: str | None,
    previous: Path | None,
    mask: bool,
    password: str | None,
    timings: Path | None,
) -> None:
    """对账：匹配银行发放、检查 R01–R23，写出工作簿、summary.json 和 exceptions.csv。"""
    if period is not None and not _is_period(period):
        raise click.BadParameter("应写成 YYYY-MM，例如 2021-12", param_hint="--period")
    config = Config(input_dir, output_dir, period, previous, mask, _asked(password, "工作簿密码"))
    stages = progress.for_terminal()
    reconciled = _guarded(lambda: run.reconcile(config, stages))
    for line in report.reconcile_lines(reconciled, output_dir):
        click.echo(privacy.mask_text(line) if mask else line)
    if timings is not None:
        staging.write_atomically(timings, stages.as_json())


@cli.command("serve")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    help="数据目录：inputs/<YYYY-MM>/ 放每月的文件，outputs/ 放对账结果和运行记录（首次使用时创建）",
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址；不是本机时必须设密码"
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--password",
    is_flag=False,
    flag_value="",
    default=None,
    help="登录密码（在 127.0.0.1 以外的地址上监听时必须设）；只写 --password 时提示输入",
)
def serve_command(data_dir: Path, host: str, port: int, password: str | None) -> None:
    """在本机打开对账页面：选期间、上传文件、对账、填写异常的处理说明。"""
    from pipeline.web import security  # the server stack: imported only for this command

    if password is None and not security.is_loopback(host):
        raise click.UsageError(
            f"在 {host} 上监听，办公室网络里的其他电脑也能打开这个页面，必须设登录密码："
            "加上 --password（提示输入）。只在本机使用时不要写 --host"
        )
    password = _asked(password, "页面登录密码")
    from pipeline.web.app import Settings
    from pipeline.web.server import serve

    _guarded(lambda: serve(Settings(data_dir, host, password), port, click.echo))


def _asked(password: str | None, what: str) -> str | None:
    """``--password``: given, asked for when written alone (so it stays out of the shell
    history), or None; never empty."""
    if password == "":
        password = click.prompt(what, hide_input=True, confirmation_prompt=True)
    if password is not None and not password.strip():
        raise click.BadParameter("密码不能为空", param_hint="--password")
    return password


def _is_period(text: str) -> bool:
    year, _, month = text.partition("-")
    return (
        len(year) == 4
        and year.isdigit()
        and month.isdigit()
        and 1 <= int(month) <= 12
        and len(month) == 2
    )


def _guarded(action):
    """``action()``, its errors told in one line each. Messages name files, sheets, rows and
    columns; any ID or card number that would still slip into one (an internal error quoting a
    value) is masked all the same."""
    try:
        return action()
    except Exception as error:  # noqa: BLE001 - no traceback reaches a clerk
        if os.environ.get("AID_DEBUG") and not isinstance(error, ReconcileError):
            raise
        click.echo(in_words(error), err=True)
        sys.exit(1)


def main() -> None:
    """The console entry point. Once a command is done, the process ends at once: its outputs
    are closed and synced, and freeing a province's frames object by object at interpreter
    exit would only keep the clerk waiting (0.3 s for 10⁵ records, more for 10⁶)."""
    try:
        cli(prog_name="python -m pipeline")
        status = 0
    except SystemExit as done:
        status = _status(done.code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _status(code: object) -> int:
    """``sys.exit``'s argument as an exit status: None is 0, a message is printed and 1."""
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1
