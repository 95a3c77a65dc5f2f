"""Shared fixtures: the Guangzhou rule file (the seed repository's copy), the seed station's figures, small
rule-loading helpers, the sites several test modules read (built once per session), and the guard that fails any
test reading the live rules/ or stations/.

The seed figures are those of the 市桥 station's mid-term evaluation report (the project's seed record):
服务监测 9.82, 服务成效 12.3, 运营管理 9.1, 服务质量 by sub-district, 购买方 20, 督导中心 14.65, 监督方 8.8.
"""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest
from site_harness import LIVE_DATA_GUARD, SEED_REPO, build_site

from site_builder.errors import Problems
from site_builder.language.checks import check_rules
from site_builder.language.evaluate import Inputs
from site_builder.language.parser import parse_rules

RULES_PATH = SEED_REPO / "rules" / "guangzhou" / "sgz-2024.rules"

SEED_SCORES = {
    "服务监测": Decimal("9.82"),
    "服务成效": Decimal("12.3"),
    "运营管理": Decimal("9.1"),
    "服务质量": {"东一片区": Decimal("15"), "东二片区": Decimal("15.26"), "西片区": Decimal("15")},
    "购买方评分": Decimal("20"),
    "督导中心评分": Decimal("14.65"),
    "监督方评分": Decimal("8.8"),
}
SEED_TOTAL = Decimal("89.76")  # as stated in the seed report

# No veto applies to the seed station: every yes/no fact is 否, every shortfall is 0, staff costs are 85%.
CLEAR_FACTS = {
    "保洁安保占用社工名额": False,
    "社工缺少人次": Decimal(0),
    "持证社工缺少人次": Decimal(0),
    "人员费用支出比例": Decimal("0.85"),
    "整改不到位": False,
    "专业评估不合格": False,
    "财务评估不合格": False,
    "严重违法违规": False,
}

# Items whose score is a single number, in the order scores_totalling adjusts them.
ADJUSTABLE_ITEMS = ("购买方评分", "督导中心评分", "监督方评分", "服务监测", "服务成效", "运营管理")


@pytest.fixture(scope="session")
def rules_text() -> str:
    return RULES_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def ruleset(rules_text):
    return check_rules(parse_rules(rules_text, str(RULES_PATH)))


@pytest.fixture(scope="session")
def load_rules():
    """Parse and check rule text, returning the RuleSet (raises Problems on any mistake)."""

    def load(text: str, path: str = "test.rules"):
        return check_rules(parse_rules(text, path))

    return load


@pytest.fixture(scope="session")
def rule_errors():
    """The errors that parsing and checking rule text report; fails the test if there are none."""

    def errors(text: str, path: str = "test.rules") -> list:
        with pytest.raises(Problems) as raised:
            check_rules(parse_rules(text, path))
        return raised.value.errors

    return errors


@pytest.fixture(scope="session")
def seed_inputs():
    """The seed station's inputs, optionally at another stage and with some scores or facts changed."""

    def inputs(stage: str = "中期", scores: dict | None = None, facts: dict | None = None) -> Inputs:
        return Inputs(stage, {**SEED_SCORES, **(scores or {})}, {**CLEAR_FACTS, **(facts or {})})

    return inputs


@pytest.fixture(scope="session")
def scores_totalling(ruleset):
    """Seed scores changed, each within 0 and its item's maximum, so that the total comes to `target`."""

    def scores(target: Decimal) -> dict:
        changed, remaining = dict(SEED_SCORES), Decimal(target) - SEED_TOTAL
        for name in ADJUSTABLE_ITEMS:
            old = changed[name]
            changed[name] = min(max(old + remaining, Decimal(0)), ruleset.items[name].maximum)
            remaining -= changed[name] - old
        assert remaining == 0, f"no scores within the maxima total {target}"
        return changed

    return scores


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for every browser test (see tests/site_harness.py for how pages are watched)."""
    from playwright.sync_api import sync_playwright
    from site_harness import CHROMIUM, CHROMIUM_FLAGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh desktop-sized page; the test fails on any console error, failed request or third-party host."""
    from site_harness import Watch

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    watch = Watch(page)
    yield page
    context.close()
    assert watch.problems == []


# --- the live data is not the code tests' business --------------------------------------------------------


def pytest_configure(config):
    sys.addaudithook(LIVE_DATA_GUARD.audit)  # an audit hook cannot be removed: it stays for the whole session


@pytest.fixture(autouse=True)
def no_live_data(request):
    """Fails a test that read the live rules/ or stations/ or ran a command on the live repository (site_harness.LiveDataGuard).

    Code tests start from tests/fixtures/ (site_harness.copy_seed_repo, build_site); the live data is checked by
    `make check-data`, so that a valid new record or a correct rule change never turns a code test red.
    """
    yield
    reads = list(dict.fromkeys(LIVE_DATA_GUARD.take(request.node.nodeid)))[:10]
    advice = "这个测试读取了仓库中实际的 rules/ 或 stations/：应从 tests/fixtures/ 复制（见 tests/fixtures/README.md）。"
    assert not reads, "\n".join([advice, *reads])


# --- sites several modules read: built once per session, never changed by a test ----------------------------


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory):
    """A real `mkdocs build --strict` of the seed repository (the 市桥 record alone). Read it, never write to it:
    a test that changes a repository builds its own."""
    return build_site(tmp_path_factory.mktemp("seed-repo"))


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory):
    """A real build of the seed repository with a peer station and an earlier evaluation (tests/sample_evaluations.py).
    Read it, never write to it."""
    from sample_evaluations import write_sample_records

    repo = tmp_path_factory.mktemp("sample-repo")
    write_sample_records(repo)
    return build_site(repo)
