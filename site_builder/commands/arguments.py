"""argparse with a Chinese frame: usage, section titles, --help, error messages, and columns that stay aligned
when option values are named in Chinese.

Why subclasses rather than a gettext catalogue: argparse looks its English strings up through gettext's default
domain, so a catalogue would have to be compiled to .mo, installed with the package and bound process-wide (or
argparse._ patched, a private name), and it would translate any other argparse program in the process too. The
subclasses below set the few titles argparse exposes, and translate its error messages by their documented shape;
a message of a shape not listed still reaches the user, with a Chinese frame and the way to get help.
"""

from __future__ import annotations

import argparse
import re
import sys

from ..errors import did_you_mean, display_width

USAGE_PREFIX = "用法："
SEED = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"

# One example per command, shown at the end of its help (site-builder <命令> -h); kept together so they read alike.
EXAMPLES = {
    "": "site-builder check\n  site-builder <命令> -h      每个命令的说明与示例",
    "check": "site-builder check\n  site-builder check --format github      在 GitHub Actions 中把错误标在文件的行上",
    "evaluate": f"site-builder evaluate {SEED}\n  site-builder evaluate {SEED} --json",
    "explain": f"site-builder explain {SEED}",
    "export": f"site-builder export {SEED}\n  site-builder export {SEED} --out 报告/市桥中期.docx",
    "schema": "site-builder schema\n  site-builder schema --check      CI 中：文件不是最新时退出码为 1",
    "test": "site-builder test\n  site-builder test rules/guangzhou/sgz-2024.tests.yaml",
    "new": "site-builder new --district panyu --district-name 番禺区 --station dashi --name 大石街社工服务站 "
    "--period 2025-2026 --stage 末期 --date 2026-08-20",
    "fmt": "site-builder fmt\n  site-builder fmt --check stations/panyu/      只显示差异，不写入",
    "diff": "site-builder diff\n  site-builder diff main --json",
    "import": "site-builder import 报告.docx\n  site-builder import 报告/      导入目录中的每份 .docx，列表显示结果",
    "build": "site-builder build\n  site-builder build --pdf      同时生成每份报告的 PDF\n"
    "  site-builder build --docx     同时生成每份报告的 Word 文档",
    "serve": "site-builder serve\n  site-builder serve --port 8001      8000 端口被占用时换一个",
    "shard": "site-builder shard build --districts panyu,huangpu --out shard-1\n  site-builder shard merge shard-1 shard-2 --site-dir site",
    "shard build": "site-builder shard build --districts panyu,huangpu --out shard-1",
    "shard merge": "site-builder shard merge shard-1 shard-2 --site-dir site",
}


def example_epilog(command: str) -> str | None:
    example = EXAMPLES.get(command)
    return f"示例：\n  {example}" if example else None


# argparse's error messages (Lib/argparse.py), by shape → the Chinese sentence; groups keep the names it gives.
ERROR_MESSAGES = [
    (re.compile(r"the following arguments are required: (?P<names>.+)"), "缺少必须写的参数：{names}。"),
    (re.compile(r"argument (?P<name>\S+): invalid choice: '?(?P<value>.*?)'? \(choose from (?P<choices>.+)\)"), None),
    (re.compile(r"argument (?P<name>\S+): invalid (?P<kind>\w+) value: '?(?P<value>.*?)'?"), "{name} 的值“{value}”不是{kind}。"),
    (re.compile(r"unrecognized arguments: (?P<names>.+)"), "无法识别的参数：{names}。"),
    (re.compile(r"argument (?P<name>\S+): expected one argument"), "{name} 后面要写一个值。"),
    (re.compile(r"argument (?P<name>\S+): expected at least one argument"), "{name} 后面至少要写一个值。"),
    (re.compile(r"argument (?P<name>\S+): ignored explicit argument '(?P<value>.*)'"), "{name} 不需要值，多写了“{value}”。"),
    (re.compile(r"argument (?P<name>\S+): not allowed with argument (?P<other>\S+)"), "{name} 不能与 {other} 一起使用。"),
    (re.compile(r"ambiguous option: (?P<name>\S+) could match (?P<choices>.+)"), "选项 {name} 不明确，可能是：{choices}。"),
    (re.compile(r"one of the arguments (?P<names>.+) is required"), "{names} 中须写一个。"),
]
KINDS = {"int": "整数", "float": "数字", "Path": "路径"}


def chinese_error(message: str) -> str:
    """argparse's English error message, in Chinese."""
    for shape, sentence in ERROR_MESSAGES:
        found = shape.fullmatch(message)
        if found is None:
            continue
        if sentence is None:
            return invalid_choice(**found.groupdict())
        names = {key: value.replace(", ", "、") for key, value in found.groupdict().items()}
        if "kind" in names:
            names["kind"] = KINDS.get(names["kind"], names["kind"])
        return sentence.format(**names)
    return f"参数有误（{message}）。"


def invalid_choice(name: str, value: str, choices: str) -> str:
    known = [choice.strip(" '") for choice in choices.split(",")]
    listed = f"可以写：{'、'.join(known)}。{did_you_mean(value, known)}"
    return f"没有“{value}”这个{name}，{listed}" if name in ("命令", "操作") else f"{name} 不能写“{value}”，{listed}"


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Chinese usage prefix; columns and line wrapping measured in terminal columns, where a Chinese character
    takes two (argparse counts characters, so a metavar such as 区编号 pushed its help out of line).
    Descriptions and examples (epilog) keep their line breaks."""

    class _Section(argparse.HelpFormatter._Section):
        def format_help(self):  # "选项：", not "选项:"
            text = super().format_help()
            return text.replace(f"{self.heading}:\n", f"{self.heading}：\n", 1) if self.heading else text

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, USAGE_PREFIX if prefix is None else prefix)

    def add_argument(self, action):
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            width = display_width(self._format_action_invocation(action)) + self._current_indent
            self._action_max_length = max(self._action_max_length, width)

    def _format_action(self, action):
        if isinstance(action, argparse._SubParsersAction):  # the commands, under their own heading: no "命令" line above them
            return self._join_parts([self._format_action(command) for command in action._get_subactions()])
        text = super()._format_action(action)
        header = self._format_action_invocation(action)
        extra = display_width(header) - len(header)
        lead = " " * self._current_indent + header
        if extra <= 0 or not text.startswith(lead + " "):
            return text
        return self._realigned(text, lead, extra)

    def _realigned(self, text: str, lead: str, extra: int) -> str:
        """argparse padded a Chinese header by its characters: take back the columns its wide characters took."""
        rest = text[len(lead) :]
        padding = len(rest) - len(rest.lstrip(" "))
        if padding - extra >= 2:
            return lead + rest[extra:]
        help_position = min(self._action_max_length + 2, self._max_help_position)  # too wide: help on the next line
        return lead + "\n" + " " * help_position + rest.lstrip(" ")

    def _split_lines(self, text, width):
        return [line for paragraph in text.splitlines() for line in wrapped(" ".join(paragraph.split()), width)]


# What never breaks across lines: a run of ASCII (a word, a path, an option), together with a few Chinese characters
# inside it (stations/panyu/…/2024-2025-中期.yaml); any other Chinese character may start a new line.
UNBREAKABLE = re.compile(r"(?:[\x21-\x7e]+(?:[^\x00-\x7f\s]{1,4}(?=[\x21-\x7e]))?)+ ?|.")


def wrapped(text: str, width: int) -> list[str]:
    """Lines of at most width terminal columns (or one unbreakable run, if longer)."""
    lines, line = [], ""
    for token in UNBREAKABLE.findall(text):
        if line and display_width(line + token.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    return [*lines, line.rstrip()] if line.strip() else lines or [""]


class ChineseSubcommands(argparse._SubParsersAction):
    """Each command's help page starts with its one-line help, and lists its options in Chinese."""

    def add_parser(self, name, **kwargs):
        kwargs.setdefault("description", kwargs.get("help"))
        command = f"{self._prog_prefix} {name}".split(" ", 1)[1]  # "site-builder shard build" → "shard build"
        kwargs.setdefault("epilog", example_epilog(command))
        return super().add_parser(name, **kwargs)


class ChineseArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs.setdefault("epilog", example_epilog(""))  # the top level's; each command's is set by ChineseSubcommands
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title, self._optionals.title = "位置参数", "选项"
        self.register("action", "parsers", ChineseSubcommands)
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示这份说明后退出")

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("title", "命令")
        return super().add_subparsers(**kwargs)

    def error(self, message):
        """Usage, then the mistake in Chinese and where to find help; exit status 2, as argparse's own."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{chinese_error(message)}\n运行 {self.prog} -h 查看用法与示例。\n")
