"""Runs that cannot finish are finished (issue #24): a deployment run left RUNNING, PENDING or CANCELLING by a worker
or server that died is set Crashed, which releases its deployment's concurrency slot, so the next ingest does not
wait for it for ever.

How a run is known dead (docs/security.md, "Runs that cannot finish"):

* **Its process is gone.** Prefect's process worker records the pid of the process it started for the run
  (`infrastructure_pid`). srdi's flows write the home's state/, so the worker runs on the host where srdi runs (the
  writer host, docs/scaling.md): the run is dead when no process with that pid runs *that* flow run (the process's
  environment names it: PREFECT__FLOW_RUN_ID, which the worker sets). A pid now used by another program, or a zombie,
  counts as gone; a process of another account (its environment unreadable) counts as alive.
* **No process was recorded and no worker can start it.** A PENDING run whose worker died before starting its
  process has no pid. It is dead when srdi knows that no worker of the pool runs: at `srdi serve`'s start, before
  its worker starts (serve is the only worker of its home's pool), and in a one-off command that uses the home's
  own server while no `srdi serve` runs. With a server named by PREFECT_API_URL (a site, deploy/) srdi cannot know
  the other hosts' workers, and leaves such runs alone.

The crash goes through Prefect's API (`set_flow_run_state(..., Crashed, force=True)`): Prefect's own orchestration
releases the deployment's concurrency slot on that transition (ReleaseFlowConcurrencySlots, kept under force).
The runs a killed `srdi` command began itself (no deployment) are settled by srdi/runtime.py
(`settle_killed_runs`), from the command's ledger.
"""
from __future__ import annotations

import socket

POOL = "srdi-local"
UNFINISHED = ("RUNNING", "PENDING", "CANCELLING")
AWAITING_SLOT = "AwaitingConcurrencySlot"


def process_runs(pid: int, run_id: str) -> bool:
    """True when process `pid` is alive and runs flow run `run_id` (or belongs to another account: unknown, so
    treated as alive)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        if stat[stat.rindex(b")") + 2:].split()[0] in (b"Z", b"X"):
            return False
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read()
    except PermissionError:
        return True
    except (OSError, ValueError, IndexError):
        return False
    return f"PREFECT__FLOW_RUN_ID={run_id}".encode() in env.split(b"\0")


def why_dead(run, no_worker: bool) -> str | None:
    """Why `run` (a Prefect FlowRun in an unfinished state) cannot finish, or None when it may still."""
    pid = (run.infrastructure_pid or "").strip()
    if pid:
        host, _, number = pid.rpartition(":")
        if host and host != socket.gethostname():
            return None                 # another host's process: not ours to judge
        try:
            n = int(number)
        except ValueError:
            return None
        if process_runs(n, str(run.id)):
            return None
        return (f"运行它的进程（pid {n}）已不存在，worker 或服务器曾被终止 / the process that ran it (pid {n}) is gone: "
                f"its worker or server was killed")
    if no_worker:
        return ("没有 worker 在运行它（worker 或服务器曾被终止，尚未启动它的进程）/ no worker is running it: its worker or "
                "server was killed before it started the run's process")
    return None


def settle(no_worker: bool, log=None, cancelled: str | None = None) -> list[dict]:
    """Set Crashed every run of srdi's pool that cannot finish (`why_dead`); the Prefect API is the one configured
    in this process. `cancelled`: `srdi serve` stopped them itself (its worker and its runs): Cancelled, with that
    message. Returns what it changed: [{id, name, deployment_id, was, why}]."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType,
                                                WorkPoolFilter, WorkPoolFilterName)
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled, Crashed

    changed = []
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                any_=[StateType(t) for t in UNFINISHED]))),
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[POOL])))
        for run in runs:
            why = cancelled or why_dead(run, no_worker)
            if why is None:
                continue
            state = Cancelled if cancelled else Crashed
            client.set_flow_run_state(run.id, state(message=f"srdi: {why}"), force=True)
            changed.append({"id": str(run.id), "name": run.name, "deployment_id": str(run.deployment_id),
                            "was": run.state.type.value if run.state else None, "why": why})
            if log is not None:
                log(f"流程运行 {run.name} 已标为 {state.__name__}（原为 {changed[-1]['was']}）：{why}")
    return changed
