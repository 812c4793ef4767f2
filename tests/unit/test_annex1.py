"""Annex 1 is kept once (schemas/refdata/annex1.csv, as printed); the registry is that table read as the intake reads it."""
from __future__ import annotations

from pathlib import Path

import pytest

from schemas import reference

POLICY = Path(__file__).resolve().parents[3] / "shared" / "policy" / "jiaohe-srdi-plan-2022.txt"

FIELDS = ["enterprise_name", "industry", "tech_center_level", "patents", "operating_status", "srdi_level_text",
          "planned_city_year", "planned_province_year", "responsible_leader", "service_team"]


def _registry(name: str) -> dict[str, str]:
    (row,) = [r for r in reference.registry_enterprises() if r["enterprise_name"] == name]
    return row


def test_registry_rows_as_read_by_hand():
    # Printed: 1 长白山制药股份有限公司 | 医药 | 吉林省级 | 2 | 生产 | 已纳入吉林市培育库 | 2022年 | 2023年 | 王  威
    assert _registry("长白山制药股份有限公司") == dict(zip(FIELDS, [
        "长白山制药股份有限公司", "医药", "吉林省级", "2", "生产", "已纳入吉林市培育库", "2022", "2023", "王威", "工业"]))
    # Printed: 2 … | 医药 | 吉林市级 | 19 | 生产 | " 2021年已认定省级国家级拟培育" | 2022年 | (blank) | 张  静
    assert _registry("吉林添正生物科技股份有限公司") == dict(zip(FIELDS, [
        "吉林添正生物科技股份有限公司", "医药", "吉林市级", "19", "生产", "2021年已认定省级国家级拟培育", "2022", "",
        "张静", "工业"]))
    # Printed: 6 … | 农副产\n品加工 | (blank) | (blank) | 生产 | (blank) | 2024年 | 2025年 | 王媚春
    assert _registry("吉林金亿食品有限责任公司") == dict(zip(FIELDS, [
        "吉林金亿食品有限责任公司", "农副产品加工", "", "", "生产", "", "2024", "2025", "王媚春", "农业"]))
    # Printed: 7 … | 冶金\n建材 | 吉林市级 | 13 | 生产 | " 2021年已认定省级" | 2022年 | (blank) | 任  峰
    assert _registry("吉林省松花湖管业有限公司") == dict(zip(FIELDS, [
        "吉林省松花湖管业有限公司", "冶金建材", "吉林市级", "13", "生产", "2021年已认定省级", "2022", "", "任峰", "工业"]))


def test_registry_is_the_twelve_enterprises_in_order_with_their_service_teams():
    rows = reference.registry_enterprises()
    assert [list(r) for r in rows] == [FIELDS] * 12
    assert [r["enterprise_name"] for r in rows][::11] == ["长白山制药股份有限公司", "吉林旺普家具有限公司"]
    # 农业: the four food and wine makers (rows 5, 6, 8, 9); every other enterprise is 工业.
    assert [r["enterprise_name"] for r in rows if r["service_team"] == "农业"] == [
        "吉林天一昊宇食品科技有限公司", "吉林金亿食品有限责任公司", "长白山酒业集团有限公司", "吉林得利斯食品有限公司"]
    assert {r["service_team"] for r in rows} == {"农业", "工业"}
    # Nothing printed survives the reading: no line break, no space, no 年 in a year.
    for r in rows:
        for k, v in r.items():
            assert "\n" not in v and " " not in v and not (k.endswith("_year") and v and not v.isdigit()), (k, v)


def test_printed_table_keeps_the_print():
    table = reference.annex1_as_printed()
    assert table.header[2] == "行业\n类别" and table.header[7] == " 拟培育\n吉林市级" and table.header[-1] == "服务专班"
    assert table.rows[0] == ("1", "长白山制药股份有限公司", "医药", "吉林省级", "2", "生产", "已纳入吉林市培育库",
                             "2022年", "2023年", "王  威", "工业")
    assert table.rows[1][6] == " 2021年已认定省级国家级拟培育"
    assert table.rows[2][2] == "冶金\n建材"


@pytest.mark.skipif(not POLICY.exists(), reason="the policy text lives outside the repository (../shared/policy)")
def test_printed_table_is_annex1_of_the_policy():
    """Cells in the policy text start with a tab; a line without one continues the cell (a printed line break)."""
    lines = POLICY.read_text(encoding="utf-8").split("\n")
    start = lines.index("附件1")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("附件2"))
    cells: list[str] = []
    for line in lines[start + 1:end]:
        if line.startswith("\t"):
            cells.append(line[1:])
        elif line:
            cells[-1] += "\n" + line
    first = cells.index("序号")
    printed = [tuple(cells[first + 10 * k:first + 10 * (k + 1)]) for k in range(13)]
    table = reference.annex1_as_printed()
    assert printed[0] == table.header[:-1]
    assert printed[1:] == [row[:-1] for row in table.rows]
