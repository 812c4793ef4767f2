"""The `srdi` command: a thin parser over srdi/commands/, one module per subcommand (modules named _… are helpers).

Imports run one way: this CLI → flows (and samples, for the demo) → tasks → dashboards → warehouse → schemas.
A subcommand that runs flows registers `supervised=True` and runs inside a `srdi.runtime.Command`: Ctrl-C and
SIGTERM stop it in seconds with one line and exit code 130, and its flow runs end Cancelled.

Global options go before or after the subcommand (`srdi --home DIR ingest` = `srdi ingest --home DIR`; SRDI_HOME
means the same). Every command says first which home it uses. Only `srdi init` and `srdi demo` create a home
(`home_policy="create"`); every other command on a folder that is not a home stops with exit code 2 and changes
nothing.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

import srdi.commands
from srdi.exits import Exit
from warehouse.home import DEFAULT_HOME, Home

HOME_HELP = f"the srdi home folder (default: $SRDI_HOME, else ./{DEFAULT_HOME}); before or after the command"
EPILOG = (f"Global options go before or after the command: `srdi --home DIR ingest` = `srdi ingest --home DIR` "
          f"(SRDI_HOME means the same; default ./{DEFAULT_HOME}). Start with `srdi init`; `srdi status` shows the "
          f"whole. Every command prints the home it uses first.")


class _Parser(argparse.ArgumentParser):
    def error(self, message):     # argparse's own exit code 2, with one line of help on where to look
        self.print_usage(sys.stderr)
        self.exit(Exit.USAGE, f"{self.prog}: error: {message}\n{self.prog}: 参数有误，用法见 / see `{self.prog} --help`\n")


def _global_options(p: argparse.ArgumentParser) -> None:
    """`--home` after the command too. Its default is left unset there, so one given before the command stands."""
    for action in p._actions:
        if action.dest == "home":
            action.default = argparse.SUPPRESS
            action.help = HOME_HELP
            return
    p.add_argument("--home", default=argparse.SUPPRESS, help=HOME_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="srdi", description="专精特新 programme pipeline", epilog=EPILOG)
    parser.add_argument("--home", default=None, help=HOME_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for mod in pkgutil.iter_modules(srdi.commands.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"srdi.commands.{mod.name}").register(sub)
    for name in list(sub.choices):
        p = sub.choices[name]
        _global_options(p)
        if not p.epilog:
            p.epilog = EPILOG
    return parser


def home_of(args) -> tuple[Home, str]:
    """The home a command uses, and where that choice came from (said in the first line)."""
    if getattr(args, "home", None):
        return Home.resolve(args.home), "--home"
    if os.environ.get("SRDI_HOME"):
        return Home.resolve(None), "SRDI_HOME"
    return Home.resolve(None), f"默认 default ./{DEFAULT_HOME}"


def not_a_home(command: str, home: Home, source: str) -> str:
    """Exit code 2: a typo in --home must never become a new empty home."""
    where = str(home.root)
    what = "不存在" if not home.root.exists() else "不是 srdi 主目录（其中没有 share/inbox/ 和 state/）"
    what_en = "does not exist" if not home.root.exists() else "is not an srdi home (it has no share/inbox/ and state/)"
    return (f"srdi {command}: 主目录 {where}（{source}）{what}，本次未运行，也未创建任何文件夹。"
            f"请检查 --home 或 SRDI_HOME 的拼写；新建主目录请运行 srdi init --home {where}，"
            f"再把工作簿放入 share/inbox/<单位>/ 后运行 srdi ingest。\n"
            f"srdi {command}: the home {where} ({source}) {what_en}; nothing was run or created. Check --home or "
            f"SRDI_HOME for a typo, or create a home with `srdi init --home {where}`, then drop workbooks into "
            f"share/inbox/<bureau>/ and run `srdi ingest`.\n")


def _say_home(args, home: Home, source: str, existed: bool) -> None:
    where = getattr(args, "home_line", "stdout")
    if callable(where):
        where = where(args)
    if where is None:
        return
    note = "" if existed or args.home_policy != "create" else "，新建 / new"
    stream = sys.stderr if where == "stderr" else sys.stdout
    print(f"srdi {args.command} · 主目录 home: {home.root}（{source}{note}）", file=stream, flush=True)


def prepare_home(args) -> int | None:
    """Resolve the home, refuse a folder that is not one (exit 2), say which it is. Sets args.home to its path."""
    policy = getattr(args, "home_policy", "existing")
    if policy == "optional" and not getattr(args, "home", None) and not os.environ.get("SRDI_HOME"):
        return None                                 # the command says itself what it works on (srdi docs)
    home, source = home_of(args)
    existed = home.is_home()
    if policy in ("existing", "optional") and not existed:
        sys.stderr.write(not_a_home(args.command, home, source))
        return Exit.USAGE
    args.home = str(home.root)
    args.home_existed = existed
    _say_home(args, home, source, existed)
    return None


def main(argv: list[str] | None = None) -> int:
    """`argv` None: this is the `srdi` process itself (it may then handle signals and end with os._exit)."""
    own_process = argv is None
    try:
        args = build_parser().parse_args(argv)
        args.own_process = own_process      # may the command end the process itself (srdi query's watchdog)
        check = getattr(args, "check_args", None)     # arguments first (pure), then the home
        if check is not None:
            code = check(args)
            if code is not None:
                return code
        code = prepare_home(args)
        if code is not None:
            return code
        if not getattr(args, "supervised", False):
            return args.func(args)
        from srdi.runtime import Command
        code = Exit.INTERRUPTED
        with Command(args.command, own_process=own_process):
            code = args.func(args)
        return code
    except BrokenPipeError:
        if not own_process:
            raise
        return _reader_gone()
    except Exception as exc:
        from srdi.api_auth import CredentialError
        from srdi.runtime import ServerStartError
        name = getattr(args, "command", "") if "args" in locals() else ""
        if isinstance(exc, CredentialError):      # one line with the fix, never a traceback (issue #24)
            print(f"srdi {name}: {exc}".replace("srdi : ", "srdi: "), file=sys.stderr, flush=True)
            return Exit.CREDENTIAL
        if isinstance(exc, ServerStartError):     # one line with the reason and what to do; nothing ran
            return _server_not_started(name, getattr(args, "home", None) if "args" in locals() else None, exc)
        from warehouse.lock import WriterBusy
        if isinstance(exc, WriterBusy):           # waited for the writer lock past --wait: one line, nothing ran
            from srdi.commands._writer import gave_up
            return gave_up(name, exc)
        from warehouse.disk import is_disk_problem
        if not is_disk_problem(exc):
            raise
        return _disk_problem(getattr(args, "command", "") if "args" in locals() else "", exc)
    except KeyboardInterrupt:
        if not own_process:
            raise
        # a Ctrl-C outside a supervised run (while starting up, or in `srdi query`): one line, no traceback
        os.write(2, "srdi: 已中断 / interrupted\n".encode("utf-8"))
        return Exit.INTERRUPTED


def _server_not_started(command: str, home: str | None, exc: Exception) -> int:
    from srdi.runtime import prefect_home
    where = prefect_home(home or "<home>")
    print(f"srdi {command}: 无法启动本 home 的 Prefect 服务器，本次未运行 / could not start the home's Prefect server; "
          f"nothing ran: {exc}. 处理后重试；要看服务器自己的报错，可在前台运行 / fix it and run the command again; to see "
          f"the server's own error, run it in the foreground: PREFECT_HOME={where} prefect server start",
          file=sys.stderr, flush=True)
    return Exit.SERVER


def _disk_problem(command: str, exc: BaseException) -> int:
    """A full disk or a read-only home, wherever it was met (the writer lock, the database, a publish): one line,
    exit 4, no traceback."""
    from warehouse.disk import disk_problem_line
    print(f"srdi {command}: {disk_problem_line(exc)}".replace("srdi : ", "srdi: "), file=sys.stderr, flush=True)
    return Exit.STORAGE


def _reader_gone() -> int:
    """What reads our output went away (`srdi query … | head`): no traceback, and nothing more is written to it
    (the rest of the output goes to /dev/null, also what Python would flush at exit). 141 = 128 + SIGPIPE, what a
    shell reports for a command a closed pipe stopped."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return Exit.PIPE_CLOSED


def entry() -> int:
    """The `srdi` command: main(), then its output flushed while a closed pipe can still be answered quietly, then
    the exit. The exit skips the interpreter's teardown of every module and object (Prefect, pydantic, polars):
    half a second of an empty ingest's 4 s, for nothing. What must happen at exit still does: the atexit handlers
    (logging's flush, multiprocessing's children, srdi's temporary folders) run first, and the command's own
    cleanup (srdi/runtime.py: Prefect's logs and events sent) ran before
    main() returned. A non-daemon thread still running would be waited for by a normal exit: then it is one."""
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _reader_gone()
    import threading
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        return code
    import atexit
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code if isinstance(code, int) else Exit.FAILED)


if __name__ == "__main__":
    sys.exit(entry())
