"""Synthetic station records for benchmarks: a folder laid out like the repository, deterministic from a seed.

    .venv/bin/python bench/synthetic.py --reports 1000 --seed 1 --out /tmp/bench-repo

Every record passes `site-builder check`: scores within their maximum, sub-districts declared, every veto
fact present. Narratives (~10 KB a record) mix sentences of the seed record with recombined clauses and
templated sentences. A known share of records mentions the project 爱心汤 and a known share fires the
veto 社工缺少人次, so a benchmark can check search and evaluation against exact counts.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from random import Random

import yaml

from site_builder.language.checks import check_rules
from site_builder.language.parser import parse_rules
from site_builder.language.ruleset import RuleSet
from site_builder.site.search_index import strings_in  # the same walk the search index makes over a record

REPO = Path(__file__).resolve().parent.parent
# Phrase material from the frozen copy of the seed record: the synthetic records stay the same when the live one is edited.
SEED_RECORD = REPO / "tests" / "fixtures" / "seed-repo" / "stations" / "panyu" / "shiqiao-dongxi" / "2024-2025-中期.yaml"
RULES_FILE = "rules/guangzhou/sgz-2024.rules"  # the rule set the records name (evaluation.rules)
HEADER = "# 合成数据（基准测试用），非真实评估记录\n"

DISTRICTS = {
    "yuexiu": "越秀区",
    "liwan": "荔湾区",
    "haizhu": "海珠区",
    "tianhe": "天河区",
    "baiyun": "白云区",
    "huangpu": "黄埔区",
    "panyu": "番禺区",
    "huadu": "花都区",
    "nansha": "南沙区",
    "conghua": "从化区",
    "zengcheng": "增城区",
}
PERIODS = ("2022-2023", "2023-2024", "2024-2025", "2025-2026")
STAGES = ("中期", "末期")
EVALUATIONS_PER_STATION = len(PERIODS) * len(STAGES)

MARKED_PROJECT, MARKED_SHARE = "爱心汤", 0.10  # search check: exactly this share of records mention it
FIRED_FACT, FIRED_LIMIT, FIRED_SHARE = "社工缺少人次", "社工缺少人次上限", 0.02
UNCHECKED_SHARE = 0.3  # each other fact is 未核查 with this probability
TOTAL_BANDS = ((90, 99, 0.2), (80, 90, 0.4), (60, 80, 0.3), (35, 60, 0.1))  # target total: low, high, share

NAME_CHARS = "东西南北新沙石龙华江桥岗凤太和平安乐康福永兴明城湖山海桂松竹梅兰金银玉泉云锦秀文德仁"
SUB_DISTRICTS = ("东片区", "西片区", "南片区", "北片区", "中心片区")
PROJECTS = (
    "阳光同行",
    "邻里守望",
    "红棉守护",
    "暖心饭堂",
    "长者助餐",
    "四点半课堂",
    "彩虹桥",
    "银龄互助",
    "书香社区",
    "护苗行动",
    "心灵驿站",
    "绿美家园",
    "平安守护",
    "微心愿",
    "康乐小站",
    "巧手坊",
    "健康小屋",
    "乐龄学堂",
    "童心港湾",
    "邻里节",
    "青苗成长",
    "家庭喘息",
    "时间银行",
    "社区厨房",
)
TOPICS = (
    "长者照护",
    "困境儿童",
    "残障人士",
    "外来务工人员",
    "社区矫正",
    "禁毒宣传",
    "垃圾分类",
    "防范电信诈骗",
    "心理健康",
    "家庭教育",
    "邻里互助",
    "党群服务",
    "慈善募捐",
    "应急救援",
    "独居长者",
    "留守儿童",
    "慢病管理",
    "青少年成长",
    "妇女发展",
    "退役军人",
    "新就业群体",
    "社区议事",
)
ACTIVITIES = ("主题小组", "社区活动", "入户探访", "个案跟进", "政策宣传", "志愿者培训", "需求调研", "资源链接", "议事协商")
TEMPLATES = (
    "社工围绕{topic}开展{activity}，通过“{project}”项目服务{n}人次，服务对象反馈良好。",
    "在“{project}”项目中，社工联动{m}名志愿者为{topic}群体提供{activity}，累计链接资源{n}元。",
    "{street}的“{project}”服务以{topic}为重点，本周期开展{activity}{m}次，形成了可复制的工作方法。",
    "建议进一步总结“{project}”项目在{topic}方面的经验，提炼{activity}的服务模式，加强成效评估。",
    "{short}针对{topic}需求设计了“{project}”{activity}，覆盖{m}个社区（村），服务{n}人次。",
)


@dataclass
class Summary:
    """What was generated, with the exact counts a benchmark checks against."""

    records: int
    stations: int
    marked: int  # records that mention MARKED_PROJECT
    fired: int  # records whose FIRED_FACT reaches its limit
    bytes: int  # total size of the record files
    marked_project: str = MARKED_PROJECT


def load_ruleset(source: Path) -> RuleSet:
    return check_rules(parse_rules((source / RULES_FILE).read_text(encoding="utf-8"), RULES_FILE))


# --- phrase material from the seed record ------------------------------------------------------------


def seed_sentences() -> list[str]:
    """The seed narrative split into sentences, without list numbering and without the marked project."""
    report = yaml.safe_load(SEED_RECORD.read_text(encoding="utf-8"))["report"]
    text = "\n".join(strings_in(report))
    pieces = re.split(r"(?<=[。；！？])|\n", text)
    sentences = [re.sub(r"^\s*\d+\.\s*", "", piece).strip() for piece in pieces]
    return [s for s in sentences if len(s) >= 12 and MARKED_PROJECT not in s]


SENTENCES = seed_sentences()
CLAUSES = [clause for s in SENTENCES for clause in re.split(r"，", s.rstrip("。；！？")) if len(clause) >= 4]


# --- one station, one record ---------------------------------------------------------------------------


def street_names(seed: int) -> list[str]:
    """Every two-character street name once, in a seeded order: station n gets the n-th."""
    names = [a + b for a in NAME_CHARS for b in NAME_CHARS if a != b]
    Random(f"{seed}-streets").shuffle(names)
    return names


def station_for(index: int, seed: int, streets: list[str]) -> dict:
    rng = Random(f"{seed}-station-{index}")
    district_id = rng.choice(list(DISTRICTS))
    street = streets[index % len(streets)]
    sub_districts = rng.sample(SUB_DISTRICTS, rng.randint(2, 3))
    return {
        "id": f"demo-{district_id}-{index:04d}",
        "name": f"示例{street}街社工服务站",
        "short_name": f"示例{street}街社工站",
        "district": {"id": district_id, "name": DISTRICTS[district_id]},
        "street": f"{street}街道",
        "addresses": [{"name": "社工站", "address": f"{street}街{rng.choice(NAME_CHARS)}{rng.choice(NAME_CHARS)}路{rng.randint(1, 500)}号"}],
        "sub_districts": [{"id": s, "name": s, "communities": communities(rng)} for s in sub_districts],
        "operator": f"广州市{DISTRICTS[district_id]}示例{rng.choice(NAME_CHARS)}{rng.choice(NAME_CHARS)}社会工作服务中心",
        "operating_since": rng.randint(2011, 2021),
        "service_areas": ["党建引领服务", "基本民生保障", "基本社会服务", "基本社区治理"],
    }


def communities(rng: Random) -> list[str]:
    return [rng.choice(NAME_CHARS) + rng.choice(NAME_CHARS) + rng.choice(("社区", "村")) for _ in range(rng.randint(3, 6))]


def evaluation_for(station: dict, period: str, stage: str, rng: Random) -> dict:
    year = int(period[:4])
    start = datetime.date(year, 8, 1) + datetime.timedelta(days=rng.randint(0, 40))
    end = start.replace(year=year + 1) - datetime.timedelta(days=1)
    if stage == "中期":
        assessed = (start, start + datetime.timedelta(days=155))
    else:
        assessed = (start + datetime.timedelta(days=156), end - datetime.timedelta(days=rng.randint(0, 20)))
    visit = assessed[1] + datetime.timedelta(days=rng.randint(5, 30))
    return {
        "period": period,
        "stage": stage,
        "rules": {"id": "广州市社工站评估", "version": "2024"},
        "title": f"{station['name']}{stage}评估报告",
        "contract": {"start": start.isoformat(), "end": end.isoformat()},
        "assessed_period": {"start": assessed[0].isoformat(), "end": assessed[1].isoformat(), "months": 5 if stage == "中期" else 6},
        "visit_date": visit.isoformat(),
        "duration_days": 1,
        "commissioned_by": f"{station['district']['name']}民政局",
        "purchaser": f"{station['street']}办事处",
        "evaluator": {"organisation": f"示例{station['district']['name']}社会组织评估中心", "experts": rng.randint(3, 6), "staff": 2},
        "funding_yuan": rng.choice((1800000, 2000000, 2200000, 2400000, 2600000)),
    }


def scores_for(ruleset: RuleSet, station: dict, rng: Random) -> dict:
    """Item scores around a target total drawn from one of the grade bands, each within its maximum."""
    low, high, _ = rng.choices(TOTAL_BANDS, weights=[band[2] for band in TOTAL_BANDS])[0]
    share = rng.uniform(low, high) / float(ruleset.maximum_total)
    scores = {}
    for item in ruleset.items.values():
        maximum = float(item.maximum)
        if item.aggregate:
            scores[item.name] = {s["id"]: bounded(maximum * (share + rng.gauss(0, 0.04)), maximum) for s in station["sub_districts"]}
        else:
            scores[item.name] = bounded(maximum * (share + rng.gauss(0, 0.04)), maximum)
    return scores


def bounded(score: float, maximum: float) -> float:
    return round(min(max(score, 0.0), maximum), 2)


def facts_for(ruleset: RuleSet, stage: str, fired: bool, rng: Random) -> dict:
    facts = {}
    for fact in ruleset.facts.values():
        if fact.name == FIRED_FACT and fired:
            facts[fact.name] = int(ruleset.parameter_value(FIRED_LIMIT, stage)) + rng.randint(0, 3)
        elif rng.random() < UNCHECKED_SHARE:
            facts[fact.name] = {"not_checked": f"报告未载明{fact.label or fact.name}"}
        else:
            facts[fact.name] = {"是否": False, "数值": 0, "比例": f"{rng.randint(82, 96)}%"}[fact.type]
    return facts


def indicators_for(rng: Random) -> list[dict]:
    """Like the seed record: actual figures and the report's stated rates, no agreed targets.

    (An integer `target` currently crashes the report page: completion_rate gets int ÷ int = float.)
    """
    rows = []
    for group, name, unit in (
        ("专业个案", "个案数", "个"),
        ("专业个案", "节数", "节"),
        ("小组", "小组数", "个"),
        ("小组", "服务人次", "人次"),
        ("社区活动", "活动次数", "次"),
        ("志愿者培育", "志愿者", "名"),
    ):
        rows.append({"group": group, "name": name, "unit": unit, "actual": rng.randint(5, 600), "stated_percent": f"{rng.uniform(30, 150):.2f}%"})
    return rows


# --- narrative ----------------------------------------------------------------------------------------


class Narrator:
    """Sentences for one record: seed sentences, recombined clauses and templates, with this station's names."""

    def __init__(self, station: dict, rng: Random):
        self.station, self.rng = station, rng
        self.projects = rng.sample(PROJECTS, 3)

    def names(self, text: str) -> str:
        station = self.station
        for old, new in (
            ("市桥街东西片社工服务站", station["name"]),
            ("市桥街东西片社工站", station["short_name"]),
            ("市桥街道", station["street"]),
            ("市桥", station["street"][:2]),
            ("番禺区", station["district"]["name"]),
            ("普爱社会工作服务社", station["operator"]),
        ):
            text = text.replace(old, new)
        return text

    def numbers(self, text: str) -> str:
        """Vary figures (not years) so that reports differ in their numbers too."""

        def vary(match):
            value = match.group(0)
            if len(value) == 4 and value.startswith(("19", "20")):
                return value
            return str(self.rng.randint(1, 10 ** len(value) - 1))

        return re.sub(r"\d+", vary, text)

    def sentence(self) -> str:
        roll = self.rng.random()
        if roll < 0.4:
            return self.numbers(self.names(self.rng.choice(SENTENCES)))
        if roll < 0.75:
            parts = self.rng.sample(CLAUSES, self.rng.randint(2, 3))
            return self.numbers(self.names("，".join(parts))) + "。"
        return self.templated(self.rng.choice(self.projects))

    def templated(self, project: str) -> str:
        return self.rng.choice(TEMPLATES).format(
            project=project,
            topic=self.rng.choice(TOPICS),
            activity=self.rng.choice(ACTIVITIES),
            n=self.rng.randint(20, 5000),
            m=self.rng.randint(2, 60),
            street=self.station["street"],
            short=self.station["short_name"],
        )

    def paragraph(self, sentences: int) -> str:
        return "".join(self.sentence() for _ in range(sentences))

    def findings(self, positives: int, concerns: int) -> dict:
        return {
            "positives_intro": "经评委评估分析访谈情况和查阅各类服务工作痕迹记录资料，以下几方面值得肯定：",
            "positives": [self.paragraph(2) for _ in range(positives)],
            "concerns_intro": "以下几方面需关注：",
            "concerns": [self.paragraph(2) for _ in range(concerns)],
        }


def report_for(narrator: Narrator, marked: bool, rng: Random) -> dict:
    sections = []
    for sub_district in narrator.station["sub_districts"]:
        section = {"sub_district": sub_district["id"], "figures": figures(rng), **narrator.findings(1, 1)}
        sections.append(section)
    if marked:
        sections[0]["positives"].append(narrator.templated(MARKED_PROJECT))
    return {
        "introduction": narrator.paragraph(1),
        "background": narrator.paragraph(2),
        "basic_situation": narrator.paragraph(2),
        "progress": narrator.paragraph(2),
        "operations": {"intro": narrator.paragraph(1), **narrator.findings(2, 1)},
        "outcomes": narrator.findings(2, 1),
        "sub_districts": sections,
        "purchaser_feedback": narrator.findings(1, 1),
        "supervision_feedback": narrator.findings(1, 1),
        "feedback_round": {"on_site": narrator.paragraph(1), "draft": "评估报告初稿无异议。"},
        "conclusion": narrator.paragraph(2),
    }


def figures(rng: Random) -> dict:
    home, phone = rng.randint(100, 900), rng.randint(100, 1500)
    return {
        "households": rng.randint(100, 600),
        "people": rng.randint(100, 5000),
        "coverage": "100%",
        "person_times": home + phone + rng.randint(0, 10000),
        "home_visits": home,
        "phone_visits": phone,
        "resources_yuan": round(rng.uniform(1000, 80000), 2),
    }


def record_for(ruleset: RuleSet, station: dict, slot: int, marked: bool, fired: bool, rng: Random) -> dict:
    period, stage = PERIODS[slot // len(STAGES)], STAGES[slot % len(STAGES)]
    surveyed = rng.randint(30, 200)
    return {
        "station": station,
        "evaluation": evaluation_for(station, period, stage, rng),
        "scores": scores_for(ruleset, station, rng),
        "facts": facts_for(ruleset, stage, fired, rng),
        "indicators": indicators_for(rng),
        "satisfaction": {"surveyed": surveyed, "satisfied": rng.randint(surveyed // 2, surveyed), "satisfied_threshold": "90%"},
        "community_building": {
            "community_organisations": rng.randint(0, 5),
            "volunteer_teams": rng.randint(1, 6),
            "volunteers": rng.randint(10, 200),
        },
        "report": report_for(Narrator(station, rng), marked, rng),
    }


# --- files ----------------------------------------------------------------------------------------------


class LiteralDumper(yaml.SafeDumper):
    """Multi-line narrative as YAML block text (|-), like the hand-written records; no anchors."""

    def ignore_aliases(self, data) -> bool:
        return True


LiteralDumper.add_representer(str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def record_text(record: dict) -> str:
    return HEADER + yaml.dump(record, Dumper=LiteralDumper, allow_unicode=True, sort_keys=False, width=100000)


def record_path(root: Path, record: dict) -> Path:
    station, evaluation = record["station"], record["evaluation"]
    return root / "stations" / station["district"]["id"] / station["id"] / f"{evaluation['period']}-{evaluation['stage']}.yaml"


def in_force_for_every_period(rules: Path) -> None:
    """The one rule set stands for every synthetic year (PERIODS start in 2022), so that no record pins version 2024
    on a day it is not in force (an error since versions are checked): its 生效 line moves to the first period's start."""
    text = rules.read_text(encoding="utf-8")
    first = f"生效 {PERIODS[0][:4]}-08-01 起"
    text, found = re.subn(r"^生效 \S+ 起$", first, text, count=1, flags=re.M)
    if not found:
        raise SystemExit(f"{RULES_FILE} 中没有“生效 日期 起”一行：合成记录无法选用它。")
    rules.write_text(text, encoding="utf-8")


def generate(root: Path, reports: int, seed: int = 1, source: Path = REPO) -> Summary:
    """Write rules/ (copied from source, by default this repository) and `reports` records under root/stations/."""
    root = Path(root)
    if root.resolve() in (REPO.resolve(), Path(source).resolve()):
        raise SystemExit("不能写入仓库本身的 stations/：请指定另一个目录。")
    shutil.copytree(Path(source) / "rules", root / "rules", dirs_exist_ok=True)
    in_force_for_every_period(root / RULES_FILE)
    ruleset, streets, rng = load_ruleset(Path(source)), street_names(seed), Random(seed)
    marked = set(rng.sample(range(reports), round(reports * MARKED_SHARE)))
    fired = set(rng.sample(range(reports), round(reports * FIRED_SHARE)))
    stations, total_bytes = {}, 0
    for index in range(reports):
        number, slot = divmod(index, EVALUATIONS_PER_STATION)
        station = stations.setdefault(number, station_for(number, seed, streets))
        record = record_for(ruleset, station, slot, index in marked, index in fired, Random(f"{seed}-record-{index}"))
        path = record_path(root, record)
        path.parent.mkdir(parents=True, exist_ok=True)
        total_bytes += path.write_bytes(record_text(record).encode("utf-8"))
    return Summary(reports, len(stations), len(marked), len(fired), total_bytes)


def main() -> None:
    parser = argparse.ArgumentParser(description="生成合成的站点评估记录（基准测试用）")
    parser.add_argument("--reports", type=int, required=True, help="记录份数")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="输出目录（按仓库结构：rules/、stations/）")
    parser.add_argument("--source", type=Path, default=REPO, help="从哪个仓库目录复制 rules/（默认本仓库）")
    args = parser.parse_args()
    print(json.dumps(asdict(generate(args.out, args.reports, args.seed, args.source)), ensure_ascii=False))


if __name__ == "__main__":
    main()
