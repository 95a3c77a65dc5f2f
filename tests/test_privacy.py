"""Privacy guard: personal data in any record field, comment, rule file or standing text fails the check at its exact
line:col as written, masked; near misses (dates, amounts, indicator figures, wrong check digits, groups of people,
the station's own address quoted whole) do not; reviewed exceptions pass with a warning, never for an ID number;
no output repeats a value unmasked; thousands of findings report in bounded time; and the site build stops on one."""

from __future__ import annotations

import datetime
import random
import time
from pathlib import Path

import pytest
from hostile_corpus import NOT_PERSONAL_DATA, PERSONAL_DATA
from site_harness import SEED_RECORD, copy_seed_repo
from test_site import build, copy_repository

from site_builder.commands.cli import main
from site_builder.records.privacy_rules import id_check_character, passes_luhn, resident_ids, scan
from site_builder.records.project import load_project

SEED = SEED_RECORD
# A line of report.basic_situation, a `|-` block: narrative text as staff would paste a case note into it.
NARRATIVE = "    本社工站评估期限内服务经费为240万元"
WHY = "评估记录会在网站上公开，不得含有服务对象、工作人员等个人的{rule}（评估原则“保密尊重原则”）。"


# --- valid personal data, generated -------------------------------------------------------------


def resident_id(region: str, born: datetime.date, sequence: str) -> str:
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    return first17 + id_check_character(first17)


def luhn_number(prefix: str) -> str:
    """prefix plus the one check digit that makes it pass Luhn."""
    return next(prefix + d for d in "0123456789" if passes_luhn(prefix + d))


def failing_luhn(number: str) -> str:
    return next(number[:-1] + d for d in "0123456789" if not passes_luhn(number[:-1] + d))


ID = resident_id("440105", datetime.date(1990, 3, 7), "123")
ID_X = next(i for i in (resident_id("440113", datetime.date(1985, 11, 30), f"{n:03}") for n in range(200)) if i.endswith("X"))
CARD_16 = luhn_number("622202123456789")
CARD_19 = luhn_number("621700123456789012")


def grouped(number: str, sep: str = " ") -> str:
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def stars(text: str, head: int, tail: int) -> str:
    return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]


# (pasted text, the part that matches, rule, the match as the message shows it)
POSITIVES = [
    (ID, ID, "身份证号码", stars(ID, 4, 4)),
    (ID_X.lower(), ID_X.lower(), "身份证号码", stars(ID_X.lower(), 4, 4)),
    ("13812345678", "13812345678", "手机号码", "1381****678"),
    ("138-1234-5678", "138-1234-5678", "手机号码", "138-1***-*678"),
    ("138 1234 5678", "138 1234 5678", "手机号码", "138 1*** *678"),
    ("+86 139 2345 6789", "+86 139 2345 6789", "手机号码", "+86 13* **** *789"),
    ("１３８１２３４５６７８", "１３８１２３４５６７８", "手机号码", "１３８１****６７８"),  # typed in full-width mode
    ("020-12345678", "020-12345678", "固定电话", "020-1****678"),
    ("(020)84812345", "(020)84812345", "固定电话", "(020)8****345"),
    ("（020）84812345", "（020）84812345", "固定电话", "（020）8****345"),
    ("020 8481 2345", "020 8481 2345", "固定电话", "020 8*** *345"),
    ("0755-2345678", "0755-2345678", "固定电话", "0755-****678"),
    ("zhang.san@163.com", "zhang.san@163.com", "电子邮箱", "zh*******@163.com"),
    (CARD_16, CARD_16, "银行卡号", stars(CARD_16, 4, 4)),
    (grouped(CARD_16), grouped(CARD_16), "银行卡号", grouped(stars(CARD_16, 4, 4))),
    (grouped(CARD_16, "-"), grouped(CARD_16, "-"), "银行卡号", grouped(stars(CARD_16, 4, 4), "-")),
    (CARD_19, CARD_19, "银行卡号", stars(CARD_19, 4, 4)),
    ("住德兴路12号3栋1502室", "12号3栋1502室", "详细住址", "**号*栋****室"),
    ("住西丽路8号502房", "8号502房", "详细住址", "*号***房"),
    ("住东骏苑2栋1502室", "2栋1502室", "详细住址", "*栋****室"),
    ("住沙圩一村3-1502房", "3-1502房", "详细住址", "*-****房"),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_seed_repo(tmp_path)


def edit(repo: Path, old: str, new: str) -> None:
    target = repo / SEED
    text = target.read_text(encoding="utf-8")
    assert old in text, f"the seed record no longer contains {old!r}"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


def where(repo: Path, fragment: str, nth_line: int = 0) -> tuple[int, int]:
    """Line and column (from 1) of fragment in the record file, found in the file itself."""
    lines = [(n, line) for n, line in enumerate((repo / SEED).read_text(encoding="utf-8").splitlines(), 1) if fragment in line]
    number, line = lines[nth_line]
    return number, line.index(fragment) + 1


def in_narrative(repo: Path, pasted: str) -> None:
    edit(repo, NARRATIVE, f"    社工回访服务对象王某（{pasted}）后反映，本社工站评估期限内服务经费为240万元")


def as_a_sentence(repo: Path, pasted: str) -> None:
    """pasted as a sentence of its own, with no person around it (in_narrative names one: 王某)."""
    edit(repo, NARRATIVE, f"    回访记录：{pasted}。" + NARRATIVE.strip())


def errors_of(repo: Path) -> list:
    return load_project(repo).errors


# --- positives ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pasted, match, rule, masked", POSITIVES, ids=[p[0] for p in POSITIVES])
def test_personal_data_in_narrative_is_refused_at_its_position(repo, pasted, match, rule, masked):
    in_narrative(repo, pasted)
    line, col = where(repo, match)
    [error] = errors_of(repo)
    assert (error.pos.line, error.pos.col, error.pos.end_col) == (line, col, col + len(match))
    assert error.message == f"report.basic_situation：疑似{rule}“{masked}”。" + WHY.format(rule=rule)
    assert "privacy_exceptions" in error.example and "删除" in error.example
    # the message and the quoted source line both show the match masked, so check output and CI logs do not repeat it
    assert match not in error.format() and masked in error.pos.line_text


def test_generated_numbers_are_what_they_claim():
    assert id_check_character("11010519491231002") == "X"  # the example of GB 11643
    assert passes_luhn("4111111111111111") and passes_luhn("79927398713")
    assert list(resident_ids(ID)) == [(0, 18)] and list(resident_ids(ID_X)) == [(0, 18)]


def test_position_in_a_list_item_block(repo):
    edit(repo, "        重视服务内检，定期组织", "        重视服务内检（负责人手机13912345678），定期组织")
    [error] = errors_of(repo)
    assert error.path == "report.operations.positives[1]"
    assert (error.pos.line, error.pos.col) == where(repo, "13912345678")
    assert error.pos.line > where(repo, "  operations:")[0]  # the item's own line, not its block's key


def test_position_on_a_later_line_of_a_block(repo):
    edit(repo, "    3. 查阅资料。", "    3. 查阅资料（联系 zhang.san@163.com）。")
    [error] = errors_of(repo)
    assert error.path == "report.background"
    assert (error.pos.line, error.pos.col) == where(repo, "zhang.san@163.com")
    assert error.pos.line > where(repo, "  background:")[0] + 1  # a later line of the block, not its first


def test_the_same_number_twice_in_one_block_is_reported_at_each_place(repo):
    edit(repo, "    3. 查阅资料。", "    3. 查阅资料（13812345678）。")
    edit(repo, "    4. 各项目访谈。", "    4. 各项目访谈（再次致电13812345678）。")
    errors = errors_of(repo)
    assert [(e.pos.line, e.pos.col) for e in errors] == [where(repo, "13812345678"), where(repo, "13812345678", 1)]
    assert errors[0].pos.line + 1 == errors[1].pos.line


def test_positions_in_plain_quoted_flow_and_number_values(repo):
    edit(repo, "  service_area: 市桥街东西片", "  service_area: 联系 020-84812345 市桥街东西片")
    edit(repo, "communities: [德兴社区,", "communities: [德兴社区 13912345678,")
    edit(repo, "  - {group: 家访, name: 家访,", '  - {group: "家访 zhang.san@163.com", name: 家访,')
    edit(repo, "  funding_yuan: 2400000", "  funding_yuan: 13812345678")
    found = {e.path: (e.pos.line, e.pos.col) for e in errors_of(repo)}
    assert found == {
        "station.service_area": where(repo, "020-84812345"),
        "station.sub_districts[0].communities[0]": where(repo, "13912345678"),
        "indicators[0].group": where(repo, "zhang.san@163.com"),
        "evaluation.funding_yuan": where(repo, "13812345678"),  # a number written as a number
    }


def test_check_output_with_an_id_and_a_phone_pasted(repo, capsys):
    from site_builder.commands.cli import main

    in_narrative(repo, f"身份证{ID}，电话138-1234-5678")
    assert main(["--root", str(repo), "check"]) == 1
    out = capsys.readouterr().out
    line, col = where(repo, ID)
    assert f"{SEED}:{line}:{col}: 错误：report.basic_situation：疑似身份证号码“{stars(ID, 4, 4)}”" in out
    assert f"{SEED}:{line}:{where(repo, '138-1234-5678')[1]}: 错误：report.basic_situation：疑似手机号码“138-1***-*678”" in out
    assert ID not in out and "138-1234-5678" not in out
    assert "2 处错误" in out


def test_a_malformed_record_is_screened_too(repo):
    edit(repo, "  short_name:", "  shortname:")
    in_narrative(repo, "13812345678")
    messages = [e.message for e in errors_of(repo)]
    assert any("未知字段“shortname”" in m for m in messages)
    assert any("疑似手机号码“1381****678”" in m for m in messages)


# --- near misses: none of these may fire ------------------------------------------------------------


def wrong_check_id() -> str:
    """A resident-ID-shaped number whose check character is wrong and which is no bank card either."""
    return next(ID[:17] + d for d in "0123456789" if ID[:17] + d != ID and not passes_luhn(ID[:17] + d))


def impossible_birth_date_id() -> str:
    candidates = (f"44010519901301{n:03}" for n in range(1000))
    return next(c + id_check_character(c) for c in candidates if not passes_luhn(c + id_check_character(c)))


NEAR_MISSES = [
    "2024-08-26",
    "20240826",
    "2024年8月26日至2025年8月25日",
    "2024年8月26日——2025年1月31日",
    "2024-2025",
    "39665.86元",
    "2400000",
    "531160.91",
    "19655.40元",
    "511505.51元",
    "240万元",
    "87.5万元",
    "62.50%",
    "138.69%",
    "72.22%",
    "95%以上",
    "1125户1206位17类",
    "12391人次",
    "3745人次",
    "485户4524人",
    "0.85",
    wrong_check_id(),  # 18 digits, wrong ISO 7064 check character
    impossible_birth_date_id(),  # right check character, 13th month
    failing_luhn(CARD_16),
    grouped(failing_luhn(CARD_16)),  # 16 digits failing Luhn, solid and grouped
    "62220212345678901234",  # 20 digits: no card, no ID, no phone inside
    "138123456789",
    "12812345678",
    "1381234567",  # 12 digits, no 1[3-9] prefix, 10 digits
    "0.13812345678",  # a fraction, not a phone
    "0-100分",
    "020",
    "第020号",
    "@市桥社工",
    "普爱大讲堂@2025",
    "3号楼会议室",
    "5号文件",
    "2室1厅",
    "1502室",
    "12号楼",
    "一街一座首层",
    "市桥街德兴南路313号东骏苑2楼",
    "市桥街西丽路西城花园一街一座首层",  # the station's declared addresses, quoted
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_does_not_fire(repo, text):
    in_narrative(repo, text)
    project = load_project(repo)
    assert project.errors == [] and project.warnings == [], [e.format() for e in project.errors + project.warnings]


def test_the_seed_record_checks_clean(repo):
    project = load_project(repo)
    assert project.errors == [] and project.warnings == []


def test_random_18_digit_numbers_with_a_wrong_check_character_are_not_ids():
    rng = random.Random(2025)
    for _ in range(2000):
        first17 = f"{rng.randint(110000, 659999)}{rng.randint(1930, 2020)}{rng.randint(1, 12):02}{rng.randint(1, 28):02}{rng.randint(0, 999):03}"
        right = id_check_character(first17)
        assert list(resident_ids(first17 + right)) == [(0, 18)]
        assert all(list(resident_ids(first17 + c)) == [] for c in "0123456789X" if c != right)


def test_the_station_may_publish_its_own_address_down_to_the_room_with_a_warning(repo):
    edit(repo, "address: 市桥街德兴南路313号东骏苑2楼", "address: 市桥街德兴南路313号东骏苑2楼201室")
    edit(repo, "东片社工站地址是市桥街德兴南路313号东骏苑2楼", "东片社工站地址是市桥街德兴南路313号东骏苑2楼201室")
    in_narrative(repo, "站址：市桥街德兴南路313号东骏苑2楼201室")
    project = load_project(repo)
    assert project.errors == []
    [warning] = project.warnings  # one per address, however often it is quoted
    listed_at = where(repo, "address: 市桥街德兴南路313号东骏苑2楼201室")[0]
    assert (warning.pos.line, warning.path) == (listed_at, "station.addresses[0].address")
    assert "站点地址“市桥街德兴南路***号东骏苑*楼***室”具体到房间或门牌，按站点公开地址放行 3 处" in warning.message
    assert "201室" not in warning.format()


def test_part_of_the_station_address_is_no_excuse(repo):
    """Only the address quoted whole is the station's: 2楼201室 alone may be any building's second floor."""
    edit(repo, "address: 市桥街德兴南路313号东骏苑2楼", "address: 市桥街德兴南路313号东骏苑2楼201室")
    in_narrative(repo, "站址：德兴南路313号东骏苑2楼201室")
    [error] = errors_of(repo)
    assert "疑似详细住址“***号东骏苑*楼***室”" in error.message
    assert error.pos.line == where(repo, "站址：")[0]


def test_a_residents_address_listed_as_a_station_address_is_not_silent(repo):
    edit(repo, "      address: 市桥街西丽路西城花园一街一座首层", "      address: 沙圩一村三巷12号")
    project = load_project(repo)
    [warning] = project.warnings
    assert warning.path == "station.addresses[1].address" and "站点地址“沙圩一村三巷**号”" in warning.message
    assert "而不是居民住址" in warning.message and "三巷12号" not in warning.format()


def test_another_room_at_the_station_address_is_refused(repo):
    edit(repo, "address: 市桥街德兴南路313号东骏苑2楼", "address: 市桥街德兴南路313号东骏苑2楼201室")
    in_narrative(repo, "住德兴南路313号东骏苑2楼202室")
    [error] = errors_of(repo)
    assert "疑似详细住址“***号东骏苑*楼***室”" in error.message


# --- reviewed exceptions ------------------------------------------------------------------------------

EXCEPTION = '\nprivacy_exceptions:\n  - {match: "020-84812345", reason: 社工站公开的办公电话，已核实, reviewed_by: 李四, reviewed_on: 2025-03-01}\n'


def add_exceptions(repo: Path, block: str) -> None:
    target = repo / SEED
    target.write_text(target.read_text(encoding="utf-8") + block, encoding="utf-8")


def test_a_station_phone_recorded_as_an_exception_is_a_warning(repo):
    in_narrative(repo, "办公电话020-84812345，亦可拨打(020)84812345")
    add_exceptions(repo, EXCEPTION)
    project = load_project(repo)
    assert project.errors == []
    [warning] = project.warnings
    line = where(repo, "办公电话")[0]
    assert warning.format().startswith(f"{SEED}:{where(repo, 'match: ')[0]}:")
    assert warning.message == (
        f"privacy_exceptions[0].match：按复核例外放行固定电话“020-8****345”共 2 处（第 {line} 行），"
        "理由：社工站公开的办公电话，已核实；复核：李四，2025-03-01。请复核人员确认仍可公开。"
    )
    assert "84812345" not in warning.format()  # neither the message nor the quoted line repeats the number


def test_an_exception_excuses_only_its_own_match(repo):
    in_narrative(repo, "办公电话020-84812345，社工手机13812345678")
    add_exceptions(repo, EXCEPTION)
    project = load_project(repo)
    assert [e.message.split("“")[1] for e in project.errors] == [
        "1381****678”。评估记录会在网站上公开，不得含有服务对象、工作人员等个人的手机号码（评估原则"
    ]
    assert len(project.warnings) == 1


def test_an_exception_that_matches_nothing_is_a_warning(repo):
    add_exceptions(repo, EXCEPTION)
    project = load_project(repo)
    assert project.errors == []
    assert [w.message for w in project.warnings] == [
        "privacy_exceptions[0].match：复核例外“020-8****345”在本记录中没有对应的个人信息，请删除这一项或核对写法。"
    ]


def test_an_exception_needs_a_reason_a_reviewer_and_a_date(repo):
    add_exceptions(
        repo,
        '\nprivacy_exceptions:\n  - {match: "020-84812345"}\n  - {match: "020-84812346", reason: 办公电话}\n'
        '  - {match: "020-84812347", reason: 办公电话, reviewed_by: 李四}\n',
    )
    messages = [e.message for e in errors_of(repo)]
    assert "privacy_exceptions[0]：缺少必填字段“reason”（可以公开的理由）。" in messages
    assert "privacy_exceptions[1]：缺少必填字段“reviewed_by”（复核人）。" in messages
    assert "privacy_exceptions[2]：缺少必填字段“reviewed_on”（复核日期）。" in messages


def test_an_unreviewed_exception_excuses_nothing(repo):
    in_narrative(repo, "办公电话020-84812345")
    add_exceptions(repo, '\nprivacy_exceptions:\n  - {match: "020-84812345", reason: 社工站公开的办公电话}\n')
    messages = [e.message for e in errors_of(repo)]
    assert any("疑似固定电话“020-8****345”" in m for m in messages)
    assert any("缺少必填字段“reviewed_by”" in m for m in messages)


def test_an_id_number_can_never_be_an_exception(repo, capsys):
    in_narrative(repo, f"身份证{ID}")
    add_exceptions(repo, f'\nprivacy_exceptions:\n  - {{match: "{ID}", reason: 本人同意公开, reviewed_by: 李四, reviewed_on: 2025-03-01}}\n')
    errors = errors_of(repo)
    assert [e.path for e in errors] == ["report.basic_situation", "privacy_exceptions[0].match"]
    refusal = errors[1]
    assert refusal.pos.line == where(repo, "match: ")[0]
    assert refusal.message == (
        f"privacy_exceptions[0].match：身份证号码“{stars(ID, 4, 4)}”不能登记为复核例外：身份证号码一律不得公开，"
        "也不能经复核放行。请从记录中删除这个号码，并删除这一项例外。"
    )
    assert main(["--root", str(repo), "check"]) == 1
    assert ID not in capsys.readouterr().out  # not in the exception's message, nor in its quoted line


# --- the site build ----------------------------------------------------------------------------------


def test_the_build_stops_on_personal_data(tmp_path):
    repo = copy_repository(tmp_path)
    seed = repo / SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace(NARRATIVE, f"    服务对象身份证{ID}。" + NARRATIVE.strip(), 1), encoding="utf-8")
    done = build(repo)
    assert done.returncode != 0
    line, col = where(repo, ID)
    assert f"{SEED}:{line}:{col}: 错误：report.basic_situation：疑似身份证号码“{stars(ID, 4, 4)}”" in done.stderr
    assert ID not in done.stderr and "Traceback" not in done.stderr
    assert not (repo / "site" / "index.html").exists()


# --- every form in the corpus (tests/hostile_corpus.py): a new case is one line there -------------------------


@pytest.mark.parametrize("name", PERSONAL_DATA)
def test_personal_data_form_is_refused_where_it_was_written(repo, name, capsys):
    pasted, rule = PERSONAL_DATA[name], name.split(":")[0]
    as_a_sentence(repo, pasted)
    line, col = where(repo, pasted)
    errors = errors_of(repo)
    assert errors, f"{name}: not found"
    for error in errors:
        assert error.path == "report.basic_situation"
        assert error.pos.line == line and col <= error.pos.col < error.pos.end_col <= col + len(pasted)
        assert f"疑似{rule}" in error.message
    assert main(["--root", str(repo), "check"]) == 1
    out = capsys.readouterr().out
    assert pasted not in out and "*" in out  # shown, but masked


@pytest.mark.parametrize("name", NOT_PERSONAL_DATA)
def test_look_alike_is_not_personal_data(repo, name):
    as_a_sentence(repo, NOT_PERSONAL_DATA[name])
    project = load_project(repo)
    assert project.errors == [] and project.warnings == [], [e.format() for e in project.errors + project.warnings]


def test_the_seed_record_rules_and_standing_text_have_no_finding(repo):
    """The seed repository's texts as written, comments included; the check itself is test_the_seed_record_checks_clean."""
    for path in (SEED, "rules/guangzhou/sgz-2024.rules", "rules/guangzhou/sgz-2024.standing.md"):
        text = (repo / path).read_text(encoding="utf-8")
        assert [(m.rule.name, text[m.start : m.end]) for m in scan(text)] == [], path


# --- positions as written, through invisible and wide characters -----------------------------------------------


def test_an_id_split_by_invisible_characters_is_underlined_as_written(repo):
    written = "4401\u200b1319\u00ad8001\u2060011234"
    in_narrative(repo, f"身份证{written}")
    line, col = where(repo, written)
    [error] = errors_of(repo)
    assert (error.pos.line, error.pos.col, error.pos.end_col) == (line, col, col + len(written))
    assert "疑似身份证号码“4401\u200b****\u00ad****\u2060**1234”" in error.message  # one character for one
    assert "198001" not in error.pos.line_text


def test_a_sensitive_mention_points_at_the_person_and_names_the_category(repo):
    as_a_sentence(repo, "回访中了解到服务对象王某某，8岁，就读三年级2班，患有哮喘")
    line, col = where(repo, "王某某")
    [error] = errors_of(repo)
    assert (error.pos.line, error.pos.col, error.pos.end_col) == (line, col, col + 3)
    assert error.message.startswith("report.basic_situation：疑似敏感个人信息（未成年人信息、疾病）：“王**”可以识别到具体个人")
    assert "《个人信息保护法》第二十八条" in error.message and "王某某" not in error.format()


def test_every_category_near_one_person_is_named(repo):
    as_a_sentence(repo, "陈伯患有糖尿病，又是社区矫正对象")
    [error] = errors_of(repo)
    assert "疑似敏感个人信息（疾病、违法犯罪记录）" in error.message


def test_a_person_and_an_illness_in_different_sentences_pass(repo):
    as_a_sentence(repo, "张某积极参与志愿服务。社区另有慢性病患者需要关注")
    assert errors_of(repo) == []


# --- comments, rule files and standing text --------------------------------------------------------------------


def test_personal_data_in_a_yaml_comment_is_refused(repo):
    edit(repo, "  funding_yuan: 2400000  # 二（一）", "  funding_yuan: 2400000  # 联系人 138 1234 5678；二（一）")
    [error] = errors_of(repo)
    line, col = where(repo, "138 1234 5678")
    assert (error.pos.line, error.pos.col) == (line, col)
    assert error.message.startswith("YAML 注释中疑似手机号码“138 1*** *678”。")
    assert "1234 5678" not in error.pos.line_text


def test_a_hash_inside_a_block_scalar_is_text_not_a_comment(repo):
    in_narrative(repo, "# 13812345678")
    [error] = errors_of(repo)
    assert error.path == "report.basic_situation"  # reported once, as the value it is


def write(repo: Path, path: str, old: str, new: str) -> None:
    target = repo / path
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_personal_data_in_a_rule_file_comment_is_refused_at_its_place(repo):
    rules = "rules/guangzhou/sgz-2024.rules"
    write(repo, rules, "# ── 四方评估与权重", "# 规则起草人张某某 电话 020-84812345\n# ── 四方评估与权重")
    [error] = errors_of(repo)
    line = next(n for n, text in enumerate((repo / rules).read_text(encoding="utf-8").splitlines(), 1) if "020-84812345" in text)
    assert str(error.pos) == f"{rules}:{line}:{len('# 规则起草人张某某 电话 ') + 1}"
    assert error.message.startswith("疑似固定电话“020-8****345”。规则文件会在网站的规则页面上全文公开（含注释）")
    assert "84812345" not in error.format()
    assert load_project(repo).results  # the records are still evaluated: the rule set itself is sound


def test_personal_data_in_a_rule_label_is_refused(repo):
    rules = "rules/guangzhou/sgz-2024.rules"
    write(repo, rules, "“第三方评估机构”", "“第三方评估机构（联系人微信 zhang_san88）”")
    [error] = errors_of(repo)
    assert error.pos.file == rules and "疑似微信号“zh***_****8”" in error.message


def test_sensitive_information_in_standing_text_is_refused(repo):
    standing = "rules/guangzhou/sgz-2024.standing.md"
    write(repo, standing, "### （四）评估内容", "例如李某某刑满释放后接受了服务。\n\n### （四）评估内容")
    [error] = errors_of(repo)
    line = next(n for n, text in enumerate((repo / standing).read_text(encoding="utf-8").splitlines(), 1) if "李某某" in text)
    assert (error.pos.file, error.pos.line, error.pos.col) == (standing, line, 3)
    assert error.message.startswith("疑似敏感个人信息（违法犯罪记录）：“李**”") and "固定说明文字会显示在每份评估报告中" in error.message


# --- nothing printed unmasked --------------------------------------------------------------------------------


def test_other_errors_do_not_repeat_personal_data_either(repo, capsys):
    """A schema error quotes the line it refuses; an unknown key holding a phone number must not leak it."""
    edit(repo, "  funding_yuan: 2400000", "  funding_yuan: 2400000\n  联系电话: 13812345678")
    assert main(["--root", str(repo), "check"]) == 1
    out = capsys.readouterr().out
    assert "未知字段“联系电话”" in out and "13812345678" not in out and "1381****678" in out


def test_check_output_never_holds_an_unmasked_value(repo, capsys):
    numbers = [text for name, text in PERSONAL_DATA.items() if not name.startswith("敏感")]
    in_narrative(repo, "；".join(numbers[:30]))
    edit(repo, "    2. 实地观察。", "    2. 实地观察（" + "；".join(numbers[30:]) + "）。")
    assert main(["--root", str(repo), "check", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert "::error file=" in out
    assert not [text for text in numbers if text in out or text.split("：")[-1] in out]


# --- thousands of findings ------------------------------------------------------------------------------------


def phones(count: int) -> list[str]:
    return [f"13{3 + n % 7}{n:08d}" for n in range(count)]


@pytest.mark.parametrize("layout", ["one line", "one line each", "the same number"])
def test_four_thousand_phone_numbers_report_in_bounded_time(repo, layout):
    numbers = phones(4000) if layout != "the same number" else ["13812345678"] * 4000
    pasted = "，".join(numbers) if layout == "one line" else "\n    ".join(numbers)
    edit(repo, NARRATIVE, "    " + pasted + "\n" + NARRATIVE)
    started = time.monotonic()
    errors = errors_of(repo)
    assert time.monotonic() - started < 20
    assert len(errors) == 51 and "另有 3950 处错误未列出" in errors[-1].message
    first = where(repo, numbers[0])
    assert (errors[0].pos.line, errors[0].pos.col) == first


@pytest.mark.parametrize("filler", ["1 " * 150_000, "张某患有" * 75_000])
def test_a_text_too_dense_to_screen_is_refused_in_bounded_time(repo, filler):
    """Digit groups or people far beyond any report: refused (not passed unscreened), and quickly."""
    edit(repo, NARRATIVE, "    " + filler + "\n" + NARRATIVE)
    started = time.monotonic()
    errors = errors_of(repo)
    assert time.monotonic() - started < 20
    assert any("号码或人名远多于一份报告，无法逐一检查" in e.message for e in errors)
