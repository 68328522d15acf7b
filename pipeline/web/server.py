"""Start the page: bind the address, say where it is, serve until Ctrl+C.

In: ``Settings`` and a port (0: any free one). Out: a running server; ``ReconcileError`` with
what to do when the address cannot be bound (the port taken, the address not this computer's).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable

import uvicorn

from pipeline.errors import ReconcileError
from pipeline.web.app import Settings, create_app


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port``, or the reason it cannot be had, in words."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host.strip("[]"), port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise ReconcileError(
                f"端口 {port} 已被占用（也许页面已经开着？）：请打开它，或换一个端口，例如 --port {port + 1}"
            ) from error
        raise ReconcileError(
            f"无法在 {host}:{port} 上监听（{error.strerror}）：请确认这是本机的地址"
        ) from error
    listener.listen(64)
    return listener


def address(listener: socket.socket) -> str:
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{'127.0.0.1' if host == '0.0.0.0' else shown}:{port}/"


def serve(settings: Settings, port: int, say: Callable[[str], None]) -> None:
    listener = bind(settings.host, port)
    app = create_app(settings)
    say(
        f"帮扶资金对账页面已打开：{address(listener)}  （数据目录 {settings.data_dir}；按 Ctrl+C 结束）"
    )
    if settings.password is not None:
        say("需要登录：密码是启动时设定的那个")
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=3)
    uvicorn.Server(config).run(sockets=[listener])
