"""[mail] of the rules file (schemas/mail_config.py): off unless set; the packaged example, uncommented, is what the
README shows; no password in the file; one address per item, no line break (no header can be smuggled in)."""
from __future__ import annotations

import re
import tomllib

import pytest

from schemas.mail_config import MailConfigError, parse
from schemas.rollup_config import default_text


def uncommented_example() -> dict:
    """The packaged rules file's commented [mail] example with its leading "# " removed."""
    text = default_text()
    start = text.index("# [mail]\n")
    lines = [re.sub(r"^# ", "", line) for line in text[start:].splitlines()]
    return tomllib.loads("\n".join(lines))


def test_no_mail_table_or_no_host_means_mail_is_off():
    assert parse(tomllib.loads(default_text())) is None
    assert parse({}) is None
    assert parse({"mail": {"sender": "a@b.cn"}}) is None


def test_the_packaged_example_uncommented_reads_as_written():
    cfg = parse(uncommented_example())
    assert (cfg.host, cfg.port, cfg.security, cfg.user) == ("smtp.example.gov.cn", 587, "starttls", "srdi@example.gov.cn")
    assert cfg.password_file == "state/mail-password" and cfg.password_env is None
    assert cfg.ops == ("ops@example.gov.cn",)
    # short names are resolved as [leaders] resolves them: 农业农村局 is the bureau's short name
    assert cfg.contacts("工信局") == ("gongxin@example.gov.cn",)
    assert cfg.contacts("农业农村局") == ("a@example.gov.cn", "b@example.gov.cn")
    assert cfg.contacts("商务局") == ()


@pytest.mark.parametrize("table, says", [
    ({"password": "secret"}, "不要把密码写在配置文件里"),
    ({"ops": ["ops@x.cn\nBcc: all@x.cn"]}, "一项只能写一个地址"),
    ({"ops": ["ops@x.cn, b@x.cn"]}, "一项只能写一个地址"),
    ({"ops": ["not an address"]}, "不是邮件地址"),
    ({"bureaus": {"科技局": "a@x.cn"}}, "未知单位"),
    ({"security": "ssl"}, "security"),
    ({"user": "u@x.cn"}, "password_file 或 password_env"),
    ({"password_env": "not a name"}, "password_env"),
    ({"port": 70000}, "port"),
])
def test_a_wrong_mail_table_is_said(table, says):
    base = {"host": "smtp.x.cn", "sender": "srdi@x.cn"}
    with pytest.raises(MailConfigError, match=says):
        parse({"mail": {**base, **table}})


def test_default_ports_follow_the_security():
    assert parse({"mail": {"host": "h.cn", "sender": "a@b.cn", "security": "tls"}}).port == 465
    assert parse({"mail": {"host": "h.cn", "sender": "a@b.cn", "security": "none"}}).port == 25


def test_the_password_comes_from_the_environment_or_an_owner_only_file(tmp_path, monkeypatch):
    from warehouse.home import Home
    from warehouse.mail_spool import MailPasswordError, read_password
    home = Home.resolve(tmp_path / "home").ensure()
    secret = home.state / "mail-password"
    secret.write_text("s3cret\n", encoding="utf-8")
    secret.chmod(0o644)
    with pytest.raises(MailPasswordError, match="chmod 600"):
        read_password(home, "state/mail-password", None)
    secret.chmod(0o600)
    assert read_password(home, "state/mail-password", None) == "s3cret"
    link = home.state / "link"
    link.symlink_to(secret)
    with pytest.raises(MailPasswordError):
        read_password(home, "state/link", None)
    monkeypatch.setenv("SRDI_TEST_MAIL_PW", "from-env")
    assert read_password(home, None, "SRDI_TEST_MAIL_PW") == "from-env"
    monkeypatch.delenv("SRDI_TEST_MAIL_PW")
    with pytest.raises(MailPasswordError, match="SRDI_TEST_MAIL_PW"):
        read_password(home, None, "SRDI_TEST_MAIL_PW")
    assert read_password(home, None, None) is None
