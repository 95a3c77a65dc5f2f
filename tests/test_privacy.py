"""Privacy guard: personal data in any record field fails the check at its exact line:col, masked;
near misses (dates, amounts, indicator figures, wrong check digits, the station's own addresses) do not;
reviewed exceptions pass with a warning; and the site build stops on a finding."""

from __future__ import annotations

import datetime
import random
import shutil
from pathlib import Path

import pytest

from site_builder.privacy import id_check_character, passes_luhn, resident_ids
from site_builder.project import load_project

from test_site import build, copy_repository

ROOT = Path(__file__).resolve().parent.parent
SEED = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
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
    return sep.join(number[i:i + 4] for i in range(0, len(number), 4))


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
    for folder in ("rules", "stations"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


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
    assert (error.pos.line, error.pos.col) == where(repo, "13912345678") == (149, 21)


def test_position_on_a_later_line_of_a_block(repo):
    edit(repo, "    3. 查阅资料。", "    3. 查阅资料（联系 zhang.san@163.com）。")
    [error] = errors_of(repo)
    assert error.path == "report.background"
    assert (error.pos.line, error.pos.col) == where(repo, "zhang.san@163.com") == (129, 16)


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
    from site_builder.cli import main

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
    "2024-08-26", "20240826", "2024年8月26日至2025年8月25日", "2024年8月26日——2025年1月31日", "2024-2025",
    "39665.86元", "2400000", "531160.91", "19655.40元", "511505.51元", "240万元", "87.5万元",
    "62.50%", "138.69%", "72.22%", "95%以上", "1125户1206位17类", "12391人次", "3745人次", "485户4524人", "0.85",
    wrong_check_id(),                                                   # 18 digits, wrong ISO 7064 check character
    impossible_birth_date_id(),                                         # right check character, 13th month
    failing_luhn(CARD_16), grouped(failing_luhn(CARD_16)),              # 16 digits failing Luhn, solid and grouped
    "62220212345678901234",                                             # 20 digits: no card, no ID, no phone inside
    "138123456789", "12812345678", "1381234567",                        # 12 digits, no 1[3-9] prefix, 10 digits
    "0.13812345678",                                                    # a fraction, not a phone
    "0-100分", "020", "第020号",
    "@市桥社工", "普爱大讲堂@2025",
    "3号楼会议室", "5号文件", "2室1厅", "1502室", "12号楼", "一街一座首层",
    "市桥街德兴南路313号东骏苑2楼", "市桥街西丽路西城花园一街一座首层",  # the station's declared addresses, quoted
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_does_not_fire(repo, text):
    in_narrative(repo, text)
    project = load_project(repo)
    assert project.errors == [] and project.warnings == [], [e.format() for e in project.errors + project.warnings]


def test_the_seed_record_checks_clean():
    project = load_project(ROOT)
    assert project.errors == [] and project.warnings == []


def test_random_18_digit_numbers_with_a_wrong_check_character_are_not_ids():
    rng = random.Random(2025)
    for _ in range(2000):
        first17 = f"{rng.randint(110000, 659999)}{rng.randint(1930, 2020)}{rng.randint(1, 12):02}{rng.randint(1, 28):02}{rng.randint(0, 999):03}"
        right = id_check_character(first17)
        assert list(resident_ids(first17 + right)) == [(0, 18)]
        assert all(list(resident_ids(first17 + c)) == [] for c in "0123456789X" if c != right)


def test_the_station_may_publish_its_own_address_down_to_the_room(repo):
    edit(repo, "address: 市桥街德兴南路313号东骏苑2楼", "address: 市桥街德兴南路313号东骏苑2楼201室")
    edit(repo, "东片社工站地址是市桥街德兴南路313号东骏苑2楼", "东片社工站地址是市桥街德兴南路313号东骏苑2楼201室")
    in_narrative(repo, "站址：德兴南路313号东骏苑2楼201室")
    assert errors_of(repo) == []


def test_another_room_at_the_station_address_is_refused(repo):
    edit(repo, "address: 市桥街德兴南路313号东骏苑2楼", "address: 市桥街德兴南路313号东骏苑2楼201室")
    in_narrative(repo, "住德兴南路313号东骏苑2楼202室")
    [error] = errors_of(repo)
    assert "疑似详细住址“***号东骏苑*楼***室”" in error.message


# --- reviewed exceptions ------------------------------------------------------------------------------

EXCEPTION = '\nprivacy_exceptions:\n  - {match: "020-84812345", reason: 社工站公开的办公电话，已核实}\n'


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
    assert warning.message == (f"privacy_exceptions[0].match：按复核例外放行固定电话“020-84812345”共 2 处（第 {line}、{line} 行），"
                               "理由：社工站公开的办公电话，已核实。请复核人员确认仍可公开。")


def test_an_exception_excuses_only_its_own_match(repo):
    in_narrative(repo, "办公电话020-84812345，社工手机13812345678")
    add_exceptions(repo, EXCEPTION)
    project = load_project(repo)
    assert [e.message.split("“")[1] for e in project.errors] == ["1381****678”。评估记录会在网站上公开，不得含有服务对象、工作人员等个人的手机号码（评估原则"]
    assert len(project.warnings) == 1


def test_an_exception_that_matches_nothing_is_a_warning(repo):
    add_exceptions(repo, EXCEPTION)
    project = load_project(repo)
    assert project.errors == []
    assert [w.message for w in project.warnings] == [
        "privacy_exceptions[0].match：复核例外“020-84812345”在本记录中没有对应的个人信息，请删除这一项或核对写法。"]


def test_an_exception_needs_a_reason(repo):
    add_exceptions(repo, '\nprivacy_exceptions:\n  - {match: "020-84812345"}\n')
    assert any("缺少必填字段“reason”（可以公开的理由）" in e.message for e in errors_of(repo))


# --- the site build ----------------------------------------------------------------------------------

def test_the_build_stops_on_personal_data(tmp_path):
    repo = copy_repository(tmp_path)
    seed = repo / SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace(NARRATIVE, f"    服务对象身份证{ID}。" + NARRATIVE.strip(), 1),
                    encoding="utf-8")
    done = build(repo)
    assert done.returncode != 0
    line, col = where(repo, ID)
    assert f"{SEED}:{line}:{col}: 错误：report.basic_situation：疑似身份证号码“{stars(ID, 4, 4)}”" in done.stderr
    assert ID not in done.stderr and "Traceback" not in done.stderr
    assert not (repo / "site" / "index.html").exists()
