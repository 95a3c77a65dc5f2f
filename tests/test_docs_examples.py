"""The rule pages show real runs: every example output marked in docs/ is what the command prints today.

A marked example is an HTML comment right before a code block (invisible on the site):

    <!-- 运行: site-builder check @ tests/fixtures/seed-repo
         改 rules/guangzhou/sgz-2024.rules: 评分项 服务成效 → 评分想 服务成效 -->

runs the command in a copy of the fixture (after the edits: 改 PATH: OLD → NEW replaces the one OLD, `\\n` is a new
line; 删 PATH deletes a file) and compares everything it prints with the block; 摘自 instead of 运行 marks an excerpt,
whole lines the output holds in this order;
a first line `$ command` (a shown prompt) is not compared. `<!-- 文件: PATH -->` says the block is that file as stored (the cookbook
includes its regimes this way). Only the copy's path is normalised. The cookbook's regimes must also pass check and test.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from site_harness import ROOT

from site_builder.commands.cli import main
from site_builder.language.vocabulary import statement_keywords

PAGES = ("rule-language.md", "cookbook.md", "change-a-rule.md")  # rule-tests.md: tests/test_rule_tests.py
COOKBOOK = ROOT / "tests" / "fixtures" / "cookbook"

MARKER = re.compile(r"<!-- (?P<kind>运行|摘自|文件): (?P<body>.*?)-->", re.S)
FENCE = re.compile(r"\n(?P<indent> *)```[^\n]*\n(?P<text>.*?)\n(?P=indent)```", re.S)
EDIT = re.compile(r"改 (?P<path>\S+): (?P<old>.+?) →(?: (?P<new>.*))?")


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    kind: str
    body: str
    block: str

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"


def examples_in(page: str) -> list[Example]:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    found = []
    for marker in MARKER.finditer(text):
        fence = FENCE.match(text, marker.end())
        line = text.count("\n", 0, marker.start()) + 1
        assert fence, f"docs/{page}:{line}: the marked example is not followed by a code block"
        indent = len(fence["indent"])
        block = "\n".join(row[indent:] for row in fence["text"].split("\n"))
        block = re.sub(r"\A\$ [^\n]*\n", "", block)  # a shown prompt line ($ .venv/bin/site-builder check) is not output
        found.append(Example(page, line, marker["kind"], marker["body"].strip(), block))
    return found


EXAMPLES = [example for page in PAGES for example in examples_in(page)]
RUNS = [example for example in EXAMPLES if example.kind != "文件"]
FILES = [example for example in EXAMPLES if example.kind == "文件"]


def prepared_copy(body: str, tmp_path: Path) -> tuple[Path, list[str]]:
    """The fixture copied to tmp_path with the marker's edits made, and the command's arguments."""
    first, *edits = [row.strip() for row in body.split("\n") if row.strip()]
    command, fixture = first.split(" @ ")
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / fixture.strip(), repo, ignore=shutil.ignore_patterns(".cache"))
    for edit in edits:
        if edit.startswith("删 "):
            (repo / edit.removeprefix("删 ")).unlink()
            continue
        match = EDIT.fullmatch(edit)
        assert match, f"not an edit: {edit}"
        path = repo / match["path"]
        old, new = ((match[part] or "").replace("\\n", "\n") for part in ("old", "new"))
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{match['path']} holds “{old}” {text.count(old)} times, not once"
        path.write_text(text.replace(old, new), encoding="utf-8")
    words = shlex.split(command)
    assert words[0] == "site-builder"
    return repo, words[1:]


def printed(repo: Path, arguments: list[str], monkeypatch) -> tuple[int, str]:
    """What the command prints on both streams, in order, with the copy's path taken out."""
    monkeypatch.chdir(repo)
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        status = main(arguments)
    text = output.getvalue().replace(f"{repo}/", "").replace(str(repo), ".")
    return status, text.rstrip("\n")


@pytest.mark.parametrize("example", RUNS, ids=[example.name for example in RUNS])
def test_the_example_output_is_what_the_command_prints(example, tmp_path, monkeypatch):
    repo, arguments = prepared_copy(example.body, tmp_path)
    _, output = printed(repo, arguments, monkeypatch)
    if example.kind == "运行":
        assert example.block == output
    else:
        assert f"\n{example.block}\n" in f"\n{output}\n"


@pytest.mark.parametrize("example", FILES, ids=[example.name for example in FILES])
def test_an_included_file_is_the_file_as_stored(example):
    stored = (ROOT / example.body).read_text(encoding="utf-8")
    assert example.block == stored.rstrip("\n")


def test_the_pages_mark_their_examples():
    pages = {example.page for example in RUNS}
    assert pages == set(PAGES)


# --- the cookbook ---------------------------------------------------------------------------------------------------

REGIMES = sorted(path.name for path in COOKBOOK.iterdir() if path.is_dir())


def test_the_cookbook_holds_the_seven_regimes_the_issue_names():
    assert len(REGIMES) == 7


@pytest.mark.parametrize("regime", REGIMES)
def test_every_rule_and_test_file_of_a_regime_is_on_the_page_as_stored(regime):
    included = {example.body for example in FILES if example.page == "cookbook.md"}
    files = sorted((COOKBOOK / regime / "rules").rglob("*.rules")) + sorted((COOKBOOK / regime / "rules").rglob("*.tests.yaml"))
    assert files
    for path in files:
        assert str(path.relative_to(ROOT)) in included


@pytest.mark.parametrize("regime", REGIMES)
def test_every_regime_passes_check_and_its_rule_tests(regime, tmp_path, monkeypatch):
    repo = tmp_path / regime
    shutil.copytree(COOKBOOK / regime, repo, ignore=shutil.ignore_patterns(".cache"))
    status, output = printed(repo, ["check"], monkeypatch)
    assert (status, "：0 处错误，" in output.splitlines()[-1]) == (0, True), output
    assert list((repo / "stations").rglob("*.yaml")), "a worked evaluation needs a record"
    status, output = printed(repo, ["test"], monkeypatch)
    assert (status, "0 失败" in output) == (0, True), output


def test_every_code_block_of_the_cookbook_is_a_file_or_a_run():
    text = (ROOT / "docs" / "cookbook.md").read_text(encoding="utf-8")
    blocks = len(re.findall(r"^ *```\w", text, re.M))
    assert blocks == len([example for example in EXAMPLES if example.page == "cookbook.md"])


# --- statements the guide counts ------------------------------------------------------------------------------------


def test_the_keyword_count_and_list_are_the_grammars():
    text = (ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8")
    count, listed = re.search(r"关键词一共 (\d+) 个：\n\n(.+)\n", text).groups()
    keywords = statement_keywords()
    assert int(count) == len(keywords)
    assert sorted(listed.split("、")) == sorted(keywords)
    sections = re.findall(r"^### (\S+)$", text.split("## 3. 各种语句")[1].split("\n## ")[0], re.M)
    assert set(keywords) <= set(sections)
    assert re.search(rf"下面逐一介绍 {len(keywords)} 种语句", text)
