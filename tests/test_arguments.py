"""The command line's frame in Chinese (commands/arguments.py), and no traceback when the reader closes the pipe."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.commands.cli import argument_parser, main
from site_builder.errors import display_width

SEED_REPO = Path(__file__).resolve().parent / "fixtures" / "seed-repo"
SEED_RECORD = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"
ENGLISH_FRAME = ("usage:", "options:", "positional arguments", "show this help", "error:", "required", "invalid choice")


def every_parser(parser: argparse.ArgumentParser, name: str = ""):
    """The top-level parser and every command's and subcommand's, by command name ("", "check", "shard build")."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, subparser in action.choices.items():
                yield from every_parser(subparser, f"{name} {command}".strip())


PARSERS = dict(every_parser(argument_parser()))


@pytest.mark.parametrize("command", sorted(PARSERS))
def test_every_help_page_is_in_chinese_with_an_example(command, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    page = PARSERS[command].format_help()
    assert page.startswith(f"用法：site-builder {command}".rstrip())
    assert "\n选项：\n" in page and "显示这份说明后退出" in page
    assert f"示例：\n  site-builder {command}".rstrip() in page
    assert not [word for word in ENGLISH_FRAME if word in page]


@pytest.mark.parametrize("command", sorted(PARSERS))
def test_every_option_of_every_command_says_what_it_is_for(command):
    actions = PARSERS[command]._actions
    commands = [choice for action in actions if isinstance(action, argparse._SubParsersAction) for choice in action._choices_actions]
    options = [action for action in actions if not isinstance(action, argparse._SubParsersAction)]
    unexplained = [action.dest for action in options + commands if not action.help]
    assert unexplained == []


def option_lines(page: str) -> list[str]:
    section = page.split("\n选项：\n")[1].split("\n\n")[0]
    return section.splitlines()


def test_chinese_value_names_keep_the_help_column_aligned(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    lines = option_lines(PARSERS["new"].format_help())
    with_help = [line for line in lines if re.match(r"  -\S.*\S  +\S", line)]
    assert "  --district 区编号" in "\n".join(with_help) and len(with_help) >= 8
    columns = {display_width(re.match(r"(  -\S.*?\S  +)\S", line)[1]) for line in with_help}
    continuation = {display_width(line) - display_width(line.lstrip()) for line in lines if line.startswith("   ")}
    assert len(columns) == 1 and continuation <= columns


def test_help_lines_fit_the_terminal_in_columns_not_characters(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    for command in ("new", "build", "evaluate"):
        for line in option_lines(PARSERS[command].format_help()):
            assert display_width(line) <= 60 or " " not in line.strip(), line


def test_a_path_in_help_text_is_not_cut_in_two(monkeypatch):
    monkeypatch.setenv("COLUMNS", "70")
    assert "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml" in PARSERS["evaluate"].format_help()


def error_of(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def test_missing_arguments_of_new_are_listed_together_in_chinese(capsys):
    err = error_of(["new", "--district", "panyu"], capsys)
    assert err.startswith("用法：site-builder new ")
    assert "site-builder new：错误：缺少必须写的参数：--district-name、--station、--name、--period、--stage。" in err
    assert "运行 site-builder new -h 查看用法与示例。" in err


def test_a_mistyped_command_gets_the_list_and_a_suggestion(capsys):
    err = error_of(["chek"], capsys)
    assert "site-builder：错误：没有“chek”这个命令，可以写：check、evaluate" in err
    assert "你是不是想写“check”" in err


def test_a_value_outside_the_choices_names_the_option_and_the_choices(capsys):
    err = error_of(["check", "--format", "xml"], capsys)
    assert "site-builder check：错误：--format 不能写“xml”，可以写：text、github。" in err


def test_a_port_that_is_not_a_number_is_named(capsys):
    assert "site-builder serve：错误：--port 的值“abc”不是整数。" in error_of(["serve", "--port", "abc"], capsys)


def test_an_unknown_option_is_named(capsys):
    assert "site-builder：错误：无法识别的参数：--bogus。" in error_of(["check", "--bogus"], capsys)


def test_a_closed_pipe_ends_the_command_quietly_with_the_sigpipe_status(tmp_path):
    """`site-builder evaluate … --json | head`: the reader goes away; no BrokenPipeError traceback."""
    shutil.copytree(SEED_REPO, tmp_path / "repo")
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails, whatever the timing
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "site_builder", "evaluate", SEED_RECORD, "--json"],
            cwd=tmp_path / "repo",
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert finished.stderr == "" and finished.returncode == 141
