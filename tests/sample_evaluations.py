"""Three evaluations for the comparison and open-data tests, written into a temporary copy of the seed repository.

The seed record; a second station of the same district, period and stage (a copy with other scores); and an
earlier evaluation of the seed station (2023-2024 中期) with lower scores and one veto fired. Expected figures
are worked out here from the scores written, with the Guangzhou rule file's arithmetic: each item counts as
scored, 服务质量 is the mean of its sub-district scores kept to 2 places (half up), the total is their sum.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from site_harness import SEED_RECORD, SEED_REPO, copy_seed_repo

SEED = SEED_RECORD
PEER = "stations/panyu/shiqiao-peer/2024-2025-中期.yaml"
EARLIER = "stations/panyu/shiqiao-dongxi/2023-2024-中期.yaml"
KEYS = {path: path.removeprefix("stations/").removesuffix(".yaml") for path in (SEED, PEER, EARLIER)}

SEED_SCORES = {
    "服务监测": "9.82",
    "服务成效": "12.3",
    "运营管理": "9.1",
    "服务质量": {"东一片区": "15", "东二片区": "15.26", "西片区": "15"},
    "购买方评分": "20",
    "督导中心评分": "14.65",
    "监督方评分": "8.8",
}
PEER_SCORES = {**SEED_SCORES, "服务监测": "9.5", "购买方评分": "19"}
EARLIER_SCORES = {**SEED_SCORES, "服务监测": "9", "购买方评分": "18.5", "服务质量": {"东一片区": "14.1", "东二片区": "15.26", "西片区": "15"}}
EARLIER_STAFF_SHORTFALL = 6  # at 中期 the rule's limit is 5, so 社工人员配备不足 fires in the earlier evaluation
FIRED_EARLIER = "社工人员配备不足"


def converted(scores: dict) -> dict[str, Decimal]:
    def one(score) -> Decimal:
        if isinstance(score, dict):
            values = [Decimal(v) for v in score.values()]
            return (sum(values) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return Decimal(score)

    return {name: one(score) for name, score in scores.items()}


def total(scores: dict) -> Decimal:
    return sum(converted(scores).values(), Decimal(0))


def signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + f"{value:f}" if value else "0"


def scores_yaml(scores: dict) -> str:
    lines = ["scores:"]
    for name, score in scores.items():
        if isinstance(score, dict):
            lines += [f"  {name}:"] + [f"    {sub}: {value}" for sub, value in score.items()]
        else:
            lines.append(f"  {name}: {score}")
    return "\n".join(lines) + "\n"


def rewrite(text: str, scores: dict, replacements: dict[str, str]) -> str:
    text, found = re.subn(r"^scores:\n(?:  .*\n)+", scores_yaml(scores), text, flags=re.M)
    assert found == 1, "the seed's scores block moved"
    text = re.sub(r"^stated:\n(?:  .*\n)+", "", text, flags=re.M)  # the seed report's own figures are not these
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def write_sample_records(repo: Path) -> None:
    """The seed repository and the site's code copied into repo, plus the peer and the earlier evaluation."""
    copy_seed_repo(repo, site=True)
    seed = (SEED_REPO / SEED).read_text(encoding="utf-8")
    peer = rewrite(
        seed,
        PEER_SCORES,
        {
            "  id: shiqiao-dongxi": "  id: shiqiao-peer",
            "name: 市桥街东西片社工服务站": "name: 市桥街试点社工服务站",
            "short_name: 市桥街东西片社工站": "short_name: 市桥街试点社工站",
        },
    )
    earlier = rewrite(
        seed,
        EARLIER_SCORES,
        {
            'period: "2024-2025"': 'period: "2023-2024"',
            "start: 2024-08-26": "start: 2023-08-26",
            "end: 2025-08-25": "end: 2024-08-25",
            "end: 2025-01-31": "end: 2024-01-31",
            "visit_date: 2025-02-20": "visit_date: 2024-02-20",
            "  社工缺少人次: 0": f"  社工缺少人次: {EARLIER_STAFF_SHORTFALL}",
        },
    )
    for path, text in ((PEER, peer), (EARLIER, earlier)):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text, encoding="utf-8")
    in_force_earlier(repo / RULES)


RULES = "rules/guangzhou/sgz-2024.rules"


def in_force_earlier(rules: Path) -> None:
    """The rule set in force from 2023-08-26, so that the earlier evaluation (visited 2024-02-20) may be evaluated
    under it: a version pinned on a day it is not in force is an error (check of versions)."""
    text = rules.read_text(encoding="utf-8")
    assert "生效 2024-08-26 起" in text, "the seed rule file's 生效 line moved"
    rules.write_text(text.replace("生效 2024-08-26 起", "生效 2023-08-26 起"), encoding="utf-8")
