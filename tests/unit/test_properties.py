"""Property-based tests: header detection and normalisation hold for any layout a clerk can produce."""
from __future__ import annotations

import unicodedata

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.credit_code import check_char, is_valid, make_code, org_check_char
from schemas.forms import ENTERPRISE, TASK, header_key
from schemas.values import clean_value, parse_int, parse_level, parse_year
from tasks.intake.normalise import find_header
from tasks.intake.read import SheetGrid
from schemas.findings import col_letter

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mangle(draw, text: str) -> str:
    """What people do to a header: line breaks, spaces, full-width brackets, a trailing space."""
    out = []
    for ch in text:
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(["\n", " ", "\r\n", "\u3000"])))
        out.append({"(": "（", ")": "）"}.get(ch, ch) if draw(st.booleans()) else ch)
    return draw(st.sampled_from(["", " "])) + "".join(out) + draw(st.sampled_from(["", " ", "\n"]))


@st.composite
def sheets(draw, form):
    fields = draw(st.lists(st.sampled_from(form.fields), min_size=3, max_size=len(form.fields), unique_by=lambda f: f.name))
    if not any(f.name in form.identifying for f in fields):
        fields = [form.field(form.identifying[0])] + fields
    headers = [_mangle(draw, draw(st.sampled_from([f.label, *f.aliases]))) for f in fields]
    with_seq = draw(st.booleans())
    if with_seq:
        headers = ["序号"] + headers
    title_rows = draw(st.integers(0, 4))
    lead_cols = draw(st.integers(0, 3))
    width = lead_cols + len(headers)
    rows = []
    for _ in range(title_rows):
        row = [None] * width
        if draw(st.booleans()):
            row[lead_cols] = draw(st.sampled_from(["蛟河市“专精特新”重点培育种子企业库", "填报单位：工信局", "2022年第二季度"]))
        rows.append(row)
    rows.append([None] * lead_cols + headers)
    for r in range(draw(st.integers(1, 5))):
        rows.append([None] * lead_cols + [f"值{r}{c}" for c in range(len(headers))])
    grid = SheetGrid("S", pl.DataFrame({f"c{i}": [row[i] for row in rows] for i in range(width)},
                                       schema={f"c{i}": pl.Utf8 for i in range(width)}),
                     [col_letter(i) for i in range(width)])
    offset = lead_cols + (1 if with_seq else 0)
    return grid, {f.name: offset + i for i, f in enumerate(fields)}, title_rows


@FAST
@given(st.data())
def test_header_found_whatever_the_layout(data):
    form = data.draw(st.sampled_from([ENTERPRISE, TASK]))
    grid, expected, header_row = data.draw(sheets(form))
    hm = find_header(grid)
    assert hm is not None and hm.form.name == form.name
    assert hm.header_rows[0] == header_row
    assert hm.columns == expected


@FAST
@given(st.text(alphabet=st.sampled_from("王威张静路建国任峰尤海阳滕慧ABC（）()１Ａ"), min_size=1, max_size=6),
       st.lists(st.sampled_from([" ", "  ", "\u3000", "\n", "\t"]), min_size=0, max_size=4))
def test_names_lose_padding_and_wrap_artefacts_and_keep_what_was_typed(name, pads):
    """Spaces and line breaks are layout; the characters are the name as typed, full-width ones included (rule 7a)."""
    padded = name
    for i, p in enumerate(pads):
        k = (i * 7) % (len(padded) + 1)
        padded = padded[:k] + p + padded[k:]
    out = clean_value(padded, "name")
    assert out == name


@FAST
@given(st.text(alphabet="冶金建材医药农副产品加工", min_size=2, max_size=8), st.integers(1, 6))
def test_line_breaks_inside_text_are_wrap_artefacts(text, at):
    k = at % len(text)
    out = clean_value(text[:k] + "\n" + text[k:], "text")
    assert out == text


@FAST
@given(st.integers(0, 10**7), st.sampled_from(["", "项", "件", "个", " ", ".0"]), st.booleans())
def test_numbers_stored_as_text_are_numbers(n, suffix, commas):
    text = f"{n:,}" if commas else str(n)
    assert parse_int(unicodedata.normalize("NFKC", text + suffix)) == n


@FAST
@given(st.integers(2015, 2035), st.sampled_from(["", "年", "年度", ".0"]))
def test_years_as_people_write_them(year, suffix):
    assert parse_year(f"{year}{suffix}") == year


@FAST
@given(st.integers(2015, 2030), st.sampled_from(["市级", "吉林市级", "省级", "吉林省级", "国家级"]),
       st.sampled_from(["", "国家级拟培育", "省级拟培育"]), st.sampled_from(["", " ", "，"]))
def test_level_text_becomes_fields(year, level, cultivating, sep):
    parsed = parse_level(f"{year}年已认定{level}{sep}{cultivating}")
    assert parsed["srdi_level"] == {"市级": "吉林市级", "省级": "吉林省级"}.get(level, level)
    assert parsed["srdi_level_year"] == year
    assert parsed["cultivating_level"] == ({"国家级拟培育": "国家级", "省级拟培育": "吉林省级"}.get(cultivating))


# Worked by hand from the standards, not from schemas/credit_code.py.
# GB 11714 organisation code: weights 3 7 9 10 5 8 4 2, characters read base 36 (A = 10, M = 22);
#   check = 11 − Σ mod 11, written X for 10 and 0 for 11.
# GB 32100 credit code: weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28 over the first 17, characters
#   valued by their place in 0123456789ABCDEFGHJKLMNPQRTUWXY (A = 10, M = 21, X = 29, Y = 30);
#   check = (31 − Σ mod 31) mod 31, written in that charset.
# "91220281" (工商 enterprise, 蛟河市 220281) contributes 9·1 + 1·3 + 2·9 + 2·27 + 0·19 + 2·26 + 8·16 + 1·17 = 281.
#
# 1. body 12345678: 3·1 + 7·2 + 9·3 + 10·4 + 5·5 + 8·6 + 4·7 + 2·8 = 201, 201 mod 11 = 3, 11 − 3 = 8.
#    281 + 1·20 + 2·29 + 3·25 + 4·13 + 5·8 + 6·24 + 7·10 + 8·30 + 8·28 = 281 + 923 = 1204 = 38·31 + 26; 31 − 26 = 5.
# 2. body MA000004: 3·22 + 7·10 + 2·4 = 144 = 13·11 + 1, 11 − 1 = 10 → X.
#    281 + 21·20 + 10·29 + 4·30 + 29·28 = 281 + 1642 = 1923 = 62·31 + 1; 31 − 1 = 30 → Y.
# 3. body 00000000: Σ = 0, 11 − 0 = 11 → 0.  281 = 9·31 + 2; 31 − 2 = 29 → X.
# 4. 9122028100000000B (not a real organisation code): 281 + 11·28 = 589 = 19·31; (31 − 0) mod 31 = 0 → 0.
HAND_WORKED = [("91220281123456788", "5"), ("91220281MA000004X", "Y"), ("91220281000000000", "X"),
               ("9122028100000000B", "0")]


def test_credit_code_check_characters_worked_by_hand():
    for first17, check in HAND_WORKED:
        assert check_char(first17) == check
        assert is_valid(first17 + check)
    assert [org_check_char(b) for b in ("12345678", "MA000004", "00000000")] == ["8", "X", "0"]
    assert [make_code(b) for b in ("12345678", "MA000004", "00000000")] == [
        "912202811234567885", "91220281MA000004XY", "91220281000000000X"]


@FAST
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17),
       st.integers(0, 17), st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"))
def test_credit_code_check_digit_catches_a_changed_character(body, pos, repl):
    code = body + check_char(body)
    assert is_valid(code)
    changed = code[:pos] + repl + code[pos + 1:]
    assert is_valid(changed) == (changed == code)


def test_credit_code_check_digit_catches_every_changed_character_of_a_hand_worked_code():
    for first17, check in HAND_WORKED:
        code = first17 + check
        for pos in range(18):
            for repl in "0123456789ABCDEFGHJKLMNPQRTUWXY".replace(code[pos], ""):
                assert not is_valid(code[:pos] + repl + code[pos + 1:]), (code, pos, repl)


def test_header_key_ignores_notes_and_breaks():
    assert header_key("经营状态\n（生产、半生产、停产、注销）") == header_key("经营状态")
    assert header_key("“专精特新”\n认定级别") == "专精特新认定级别"


# ---------------------------------------------------------------- the plain texts' shortcut agrees with read_cell

_CELL_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from("吉林恒盛机械有限公司王威0123456789.,-/ ％%万元人户次项年　 \n\t无—AＢ\u202e\x07"), max_size=12),
    st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["2023", "0", "1", "0.85", "007", "1e3", "91220281123456788X", "生产", "已完成", "吉林省级",
                     "2023-05-01 00:00:00", "无", "N/A"]),
)


@FAST
@given(_CELL_TEXT, st.sampled_from([f for form in (ENTERPRISE, TASK) for f in form.fields]))
def test_a_text_the_shortcut_calls_plain_reads_as_itself(text, field):
    """tasks/intake/normalise.py reads the texts plain_texts() passes as themselves, without read_cell: they must
    be exactly what read_cell makes of them."""
    from schemas.values import plain_texts, read_cell
    if not plain_texts(pl.Series([text], dtype=pl.Utf8), field)[0]:
        return
    r = read_cell(text, field)
    assert (r.text, r.shown, r.error, r.note, r.understood, r.removed) == (text, text, None, None, None, ())
    expected = {"int": int, "year": int, "float": float, "pct": float}.get(field.kind, str)(text)
    assert r.value == expected and type(r.value) is type(expected)


def test_headers_by_meaning_take_the_field_whose_words_they_hold():
    assert TASK.by_meaning("本期工作进展情况").name == "progress"
    assert TASK.by_meaning("需要市政府协调解决的主要问题").name == "problems"
    assert TASK.by_meaning("存在的问题及建议").name == "problems"
    assert ENTERPRISE.by_meaning("有效发明专利数").name == "patents"
    assert ENTERPRISE.by_meaning("联系电话") is None and TASK.by_meaning("序号") is None
    assert TASK.by_meaning("备注说明").name == "remarks"       # two keys, one field


def test_the_shortcut_takes_the_common_texts_and_leaves_the_rest_to_read_cell():
    from schemas.values import plain_texts
    cases = [("enterprise_name", "吉林恒盛机械有限公司", True), ("enterprise_name", "王  威", False),
             ("credit_code", "91220281123456788X", True), ("credit_code", "9122028112345678", False),
             ("patents", "12", True), ("patents", "12项", False), ("patents", "007", False),
             ("planned_city_year", "2023", True), ("planned_city_year", "2023年", False),
             ("rd_expense", "125.5", True), ("rd_expense", "1,200", False), ("operating_status", "生产", True),
             ("operating_status", "半停产", False), ("industry", "无", False), ("enterprise_name", "吉林\u202e公司", False)]
    for name, text, plain in cases:
        assert plain_texts(pl.Series([text]), ENTERPRISE.field(name))[0] == plain, (name, text)
    pct = TASK.field("completion_pct")
    assert plain_texts(pl.Series(["85", "1", "0.85", "85%"]), pct).to_list() == [True, True, False, False]
