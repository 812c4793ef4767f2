"""[mail] of the home's rules file (rollup_config.toml): where srdi's mail goes. Off by default: without a [mail]
table (or without its `host`) srdi sends nothing and nothing else changes. Pure: no I/O but the rules file.

    [mail]
    host = "smtp.example.gov.cn"
    port = 587
    security = "starttls"                 # starttls | tls (SMTPS) | none (a relay on the office network)
    user = "srdi@example.gov.cn"          # leave out for a relay without login
    password_file = "state/mail-password" # relative to the home, readable by its owner only (chmod 600); or
    password_env = "SRDI_MAIL_PASSWORD"   # the name of an environment variable that holds it
    sender = "蛟河市专精特新数据报送系统 <srdi@example.gov.cn>"
    ops = ["ops@example.gov.cn"]          # failed scheduled runs, the overdue list after each deadline
    [mail.bureaus]
    "工信局" = ["contact@example.gov.cn"] # each bureau's contact: its receipts and error lists

The password itself is never in the rules file (docs/security.md): `password_file` or `password_env` names where it
is, and warehouse/mail_spool.py reads it when it sends.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from pathlib import Path

from schemas import reference
from schemas.query_config import read_rules_file

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 48      # the spool's send-mail runs every 5 minutes: about 4 hours of trying, then failed/
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class MailConfigError(ValueError):
    pass


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    security: str
    sender: str
    user: str | None = None
    password_file: str | None = None
    password_env: str | None = None
    ops: tuple[str, ...] = ()
    bureaus: dict[str, tuple[str, ...]] = field(default_factory=dict)
    timeout_seconds: float = DEFAULT_TIMEOUT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def contacts(self, bureau: str) -> tuple[str, ...]:
        return self.bureaus.get(bureau, ())


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise MailConfigError(message)


def address(text: object, where: str) -> str:
    """One mail address as the rules file writes it (`a@b.cn`, or `名字 <a@b.cn>`), checked: one address, no line
    break (a header cannot be smuggled in), a domain. Returns it as written, stripped."""
    _check(isinstance(text, str) and bool(text.strip()), f"[mail] {where}: 应为邮件地址 / must be a mail address: {text!r}")
    assert isinstance(text, str)
    s = text.strip()
    _check(not any(c in s for c in "\r\n,;"), f"[mail] {where}: 一项只能写一个地址 / one address per item: {s!r}")
    m = re.fullmatch(r"(?:(.*?)\s*<([^<>]+)>|([^<>\s]+))", s)
    _check(m is not None, f"[mail] {where}: 不是邮件地址 / not a mail address: {s!r}")
    assert m is not None
    spec = m.group(2) or m.group(3)
    local, at, domain = spec.rpartition("@")
    _check(bool(at and local and "." in domain and " " not in spec),
           f"[mail] {where}: 不是邮件地址（应为 名称@域名）/ not a mail address: {s!r}")
    try:
        Address(display_name=(m.group(1) or "").strip().strip('"'), addr_spec=spec)
    except (ValueError, IndexError) as exc:
        raise MailConfigError(f"[mail] {where}: 不是邮件地址 / not a mail address: {s!r} ({exc})") from None
    return s


def _addresses(value: object, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    _check(isinstance(items, list), f"[mail] {where}: 应为地址或地址列表 / must be an address or a list of them")
    assert isinstance(items, list)
    return tuple(address(a, f"{where}[{i}]") for i, a in enumerate(items))


def parse(data: dict) -> MailConfig | None:
    """The [mail] table of the parsed rules `data`; None when mail is off (no table, or no `host`)."""
    table = data.get("mail")
    if table is None:
        return None
    _check(isinstance(table, dict), "[mail] 应为一个表 / must be a table")
    host = table.get("host")
    if host in (None, ""):
        return None
    _check(isinstance(host, str) and not re.search(r"\s", host), f"[mail] host 应为服务器名 / must be a host name: {host!r}")
    security = table.get("security", "starttls")
    _check(security in SECURITY, f"[mail] security 应为 {'、'.join(SECURITY)} 之一 / must be one of {SECURITY}: {security!r}")
    port = table.get("port", DEFAULT_PORTS[security])
    _check(isinstance(port, int) and 0 < port < 65536, f"[mail] port 应为端口号 / must be a port number: {port!r}")
    _check("sender" in table, "[mail] 缺少 sender（发件人地址）/ sender is missing")
    user = table.get("user")
    _check(user is None or (isinstance(user, str) and bool(user)), f"[mail] user 应为文字 / must be text: {user!r}")
    _check("password" not in table, "[mail] 不要把密码写在配置文件里：用 password_file（仅本人可读的文件）或 password_env"
                                    "（环境变量名）/ never write the password here: use password_file or password_env")
    pw_file, pw_env = table.get("password_file"), table.get("password_env")
    _check(pw_file is None or (isinstance(pw_file, str) and bool(pw_file)), "[mail] password_file 应为路径 / must be a path")
    _check(pw_env is None or (isinstance(pw_env, str) and bool(_ENV_NAME.fullmatch(pw_env))),
           f"[mail] password_env 应为环境变量名 / must be a variable name: {pw_env!r}")
    _check(user is None or pw_file or pw_env, "[mail] 有 user 时需要 password_file 或 password_env / a user needs "
                                              "password_file or password_env")
    bureaus: dict[str, tuple[str, ...]] = {}
    raw = table.get("bureaus", {})
    _check(isinstance(raw, dict), "[mail.bureaus] 应为一个表 / must be a table")
    for name, value in raw.items():
        bureau = reference.resolve_bureau(name)
        _check(bureau is not None, f"[mail.bureaus] 未知单位“{name}” / unknown bureau {name!r}")
        assert bureau is not None
        bureaus[bureau] = _addresses(value, f"bureaus.{name}")
    timeout = table.get("timeout_seconds", DEFAULT_TIMEOUT)
    _check(isinstance(timeout, (int, float)) and timeout > 0, "[mail] timeout_seconds 应为正数 / must be positive")
    attempts = table.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
    _check(isinstance(attempts, int) and attempts > 0, "[mail] max_attempts 应为正整数 / must be a positive integer")
    return MailConfig(host=host, port=port, security=security, sender=address(table["sender"], "sender"),
                      user=user, password_file=pw_file, password_env=pw_env,
                      ops=_addresses(table.get("ops", []), "ops"), bureaus=bureaus,
                      timeout_seconds=float(timeout), max_attempts=attempts)


def load_mail_config(path: Path | str | None) -> MailConfig | None:
    """[mail] of the rules file at `path` (None, or a file that does not exist: mail is off). MailConfigError for a
    file that cannot be read or a [mail] table that is wrong."""
    if path is None or not Path(path).exists():
        return None
    return parse(read_rules_file(path, MailConfigError))
