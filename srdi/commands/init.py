"""`srdi init [--home DIR]`: make a home: the share with one inbox folder per bureau of the reference data, the
pipeline's folders, and the rollup rules with the responsible leaders to fill in. It says what to do next.

Run again on a home, it adds what is missing (a bureau's folder) and changes nothing else: the rules file, once
written, is the operator's.
"""
from __future__ import annotations

import sys
from pathlib import Path

from srdi.exits import Exit
from warehouse.home import CONFIG_NAME, Home

# what a home holds: a folder with only these may become one (a share copied in before `srdi init`)
HOME_ENTRIES = {"share", "state", "reports", ".prefect", "warehouse.duckdb", CONFIG_NAME}


def register(sub) -> None:
    p = sub.add_parser("init", help="create a home: the share with one inbox folder per bureau, the rules file with "
                                    "the responsible leaders to fill in, and what to do next",
                       description=__doc__)
    p.set_defaults(func=run, home_policy="create")


def leaders_block(owing: list[str]) -> str:
    """The [leaders] table of a new home's rules file: every bureau that owes reports, commented, to fill in."""
    lines = ["[leaders]",
             f"# 以下 {len(owing)} 个单位需要按季度报送（见上面的 [[obligations]]）。逐个去掉行首的“# ”并填上责任领导的姓名，",
             "# 如 \"工信局\" = \"张三\"；未填写的单位在催报清单中显示（未配置），srdi status 和每次汇总都会提示。",
             "# These bureaus owe reports: remove the leading \"# \" and write each responsible leader's name."]
    lines += [f'# "{b}" = ""' for b in owing]
    return "\n".join(lines) + "\n"


def rules_text() -> tuple[str, list[str]]:
    """The packaged rules with the [leaders] table listing every owing bureau, commented."""
    from schemas.rollup_config import default_text, load
    cfg = load()
    owing = list(dict.fromkeys([*cfg.owes("enterprise"), *cfg.owes("task")]))
    text = default_text()
    marker = "\n[leaders]\n"
    if marker not in text:                      # the packaged file always has the table; never write a broken copy
        raise RuntimeError("schemas/refdata/rollup_config.toml has no [leaders] table")
    head = ("# 本主目录的汇总规则：srdi init 从 schemas/refdata/rollup_config.toml 复制而来，可按需修改；汇总时读取本文件。\n"
            "# This home's rollup rules, copied by `srdi init` from the packaged file; the rollups read this copy.\n\n")
    return head + text.replace(marker, "\n" + leaders_block(owing), 1), owing


def _foreign_entries(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(p.name for p in root.iterdir() if p.name not in HOME_ENTRIES)


def run(args) -> int:
    from schemas.reference import bureaus
    from warehouse.atomic_write import write_text

    home = Home.resolve(args.home)
    existed = home.is_home()
    if home.root.exists() and not home.root.is_dir():
        print(f"srdi init: {home.root} 是一个文件，不是文件夹 / is a file, not a folder", file=sys.stderr)
        return Exit.USAGE
    foreign = [] if existed else _foreign_entries(home.root)
    if foreign:
        shown = "、".join(foreign[:5]) + ("…" if len(foreign) > 5 else "")
        print(f"srdi init: {home.root} 已有其他文件（{shown}），不在这里新建主目录。请指定一个新的或空的文件夹，"
              f"如 --home {home.root / 'srdi-home'}。\n"
              f"srdi init: {home.root} already holds other files ({', '.join(foreign[:5])}); no home was made there. "
              f"Name a new or empty folder, e.g. --home {home.root / 'srdi-home'}.", file=sys.stderr)
        return Exit.USAGE
    home.ensure()
    added = []
    for bureau in bureaus():
        folder = home.inbox / bureau
        if not folder.exists():
            folder.mkdir()
            added.append(bureau)
    config_written = False
    if not home.rollup_config.exists():
        text, owing = rules_text()
        write_text(home.rollup_config, text)
        config_written = True
    else:
        owing = []

    names = list(bureaus())
    if existed:
        print(f"已是 srdi 主目录 / already a home: {home.root}")
        print(f"  补建单位文件夹 / bureau folders added: {'、'.join(added) if added else '无 / none'}")
        if config_written:
            print(f"  汇总规则 / rules: 写入 {home.rollup_config}（[leaders] 待填写 / leaders to fill in）")
        else:
            print(f"  汇总规则 / rules: {home.rollup_config} 已存在，未改动 / kept as it is")
    else:
        print(f"已新建 srdi 主目录 / created the home {home.root}:")
        print(f"  share/inbox/<单位>/      {len(names)} 个单位的收件文件夹（{'、'.join(names)}）：各单位把工作簿放进自己的文件夹")
        print("  share/outbox/<单位>/     srdi 给各单位的回执、错误清单、批注版和模板")
        print("  share/archive/, share/rejected/   入库的和退回的文件（从不删除）")
        print("  state/                   srdi 自己的数据库和锁（只有 srdi 写）")
        print("  reports/                 会议材料和看板")
        print(f"  {CONFIG_NAME}       汇总规则；其中 [leaders] 列出了 {len(owing)} 个需报送单位，责任领导待填写")
        print("                           （已注释；未填写的单位在催报清单中显示（未配置））")
    h = f" --home {home.root}"
    print("下一步 / next:")
    print(f"  1. 在 {home.rollup_config} 的 [leaders] 中填写各单位的责任领导（去掉行首的“# ”，填上姓名）")
    print(f"  2. srdi templates{h}        生成本季度各单位的填报模板（share/outbox/<单位>/…_模板.xlsx），发给各单位")
    print("  3. 各单位把填好的工作簿放进 share/inbox/<单位>/（Excel 或 WPS 保存的 .xlsx、.xls、.ods，或导出的 .csv；"
          "文件名写明季度，如 2022Q3、2022年第三季度；用模板填写的不必）")
    print(f"  4. srdi ingest{h}           入库；各单位的回执或错误清单在 share/outbox/<单位>/")
    print(f"  5. srdi rollup quarterly{h} 报送截止后生成上一季度的季调度材料（reports/<报告期>/）")
    print(f"  6. srdi status{h}           随时查看全貌；srdi serve{h} 按时间表自动入库和汇总")
    print(f"  （可选）邮件：在 {home.rollup_config} 末尾的 [mail] 示例中填写邮件服务器和各单位联系人，"
          "回执和错误清单即发给各单位（见 README“Mail”）")
    return 0
