"""`srdi serve`: a local Prefect server, the deployments of prefect.yaml, a worker, and a watcher on the inbox."""
from __future__ import annotations

import os

from srdi.prefect_env import QUIET
from srdi.runtime import prefect_home
from warehouse.home import Home


def register(sub) -> None:
    p = sub.add_parser("serve", help="run the schedules and watch the inbox: local Prefect server + deployments + "
                                     "worker (Ctrl-C stops)")
    p.add_argument("--home", default=None)
    p.add_argument("--port", type=int, default=4200, help="the Prefect UI and API port (default 4200)")
    p.add_argument("--watch", choices=("auto", "inotify", "poll", "off"), default="auto",
                   help="how the inbox is watched: inotify on a local disk, poll on a network share (SMB/NFS), "
                        "auto picks by the inbox's file system (default); off: the 15-minute schedule only")
    p.add_argument("--poll-interval", type=float, default=1.0, help="seconds between two looks at the inbox when polling")
    p.add_argument("--settle", type=float, default=2.0,
                   help="seconds without a change in the inbox before the ingest starts (a copy of many files starts one run)")
    # Ctrl-C is its normal way to stop (exit code 0): it stops what it started itself (srdi/local_server.py)
    p.set_defaults(func=run)


def run(args) -> int:
    home = Home.resolve(args.home)
    for k, v in QUIET.items():
        os.environ.setdefault(k, v)
    os.environ["PREFECT_HOME"] = prefect_home(home.root)
    from srdi.api_auth import use
    use(home.ensure().state)      # before Prefect is imported: serve's server requires it, its clients send it
    from srdi.local_server import serve
    return serve(home, args.port, watch=args.watch, settle=args.settle, poll_interval=args.poll_interval)
