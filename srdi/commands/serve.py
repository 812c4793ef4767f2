"""`srdi serve`: a local Prefect server, the deployments of prefect.yaml and a worker."""
from __future__ import annotations

from srdi.prefect_env import quiet_prefect
from warehouse.home import Home


def register(sub) -> None:
    p = sub.add_parser("serve", help="run the schedules: local Prefect server + deployments + worker (Ctrl-C stops)")
    p.add_argument("--home", default=None)
    p.add_argument("--port", type=int, default=4200)
    # supervised for the mark, the guard and the kernel tie; Ctrl-C is its normal way to stop (exit code 0)
    p.set_defaults(func=run, supervised=True, handles_signals=False)


def run(args) -> int:
    home = Home.resolve(args.home)
    quiet_prefect(home.root)
    from srdi.local_server import serve
    return serve(home, args.port)
