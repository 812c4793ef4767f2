"""`srdi stop`: stop the home's embedded Prefect server (Prefect's own `prefect server stop`).

The first command of a home that runs a flow starts that server with `prefect server start --background`
(srdi/runtime.py); it serves the next commands and runs until this command, `srdi serve` (which takes the home
over), or a reboot. Stopping it loses nothing: the next command starts it again. `srdi serve` stops with Ctrl-C.
"""
from __future__ import annotations

from warehouse.home import Home


def register(sub) -> None:
    p = sub.add_parser("stop", help="stop the home's embedded Prefect server (prefect server stop)", description=__doc__)
    p.set_defaults(func=run)


def run(args) -> int:
    from srdi.runtime import running_server, stop_embedded
    home = Home.resolve(args.home)
    if stop_embedded(home):
        print("srdi stop: 已停止本 home 的 Prefect 服务器 / the home's embedded Prefect server is stopped")
    else:
        print("srdi stop: 本 home 没有在运行的 Prefect 服务器 / no embedded Prefect server was running for this home")
    if running_server(home):
        print("srdi stop: srdi serve 仍在运行，请在其窗口按 Ctrl-C 停止 / srdi serve is still running: stop it with Ctrl-C "
              "in its window")
    return 0
