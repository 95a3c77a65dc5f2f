"""Station records: YAML files → validated records with positions kept, checked against the rules.

Validation runs in two passes. The schema pass (record_schema.yaml, via jsonschema) catches unknown
keys, missing fields and wrong types. The rules pass catches what only the rule set knows: item names,
score ranges, sub-districts, stages, veto facts, and the file path agreeing with the ids.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import PurePosixPath

import jsonschema

from ..errors import RecordError, SiteBuilderError, did_you_mean
from ..language.evaluate import Inputs, Unchecked
from ..language.ruleset import RuleSet
from . import narrative
from .schema import allowed_keys, expanded, properties_of, record_schema, schema_node
from .source_files import reserved_page_name
from .yaml_source import (
    MAX_INTEGER_DIGITS,
    MAX_SIGNIFICANT_DIGITS,
    PLAIN_DECIMAL,
    Positions,
    RoundTrip,
    UnreadNumber,
    fast_mapping,
    load_yaml,
    to_plain,
)

PERCENT_EXAMPLE = "“85%”"
TYPE_NAMES = {
    "string": "文字",
    "number": "数字",
    "integer": "整数",
    "boolean": "是/否（true 或 false）",
    "object": "若干字段（键: 值）",
    "array": "列表（每项以“- ”开头）",
}


@dataclass(frozen=True)
class StationRecord:
    """One evaluation of one station, as committed in stations/<district>/<station>/<period>-<stage>.yaml."""

    path: str
    text: str
    content: dict  # the record's values as plain Python, numbers as Decimal
    round_trip: RoundTrip = field(compare=False, repr=False)

    @property
    def document(self):
        """ruamel's round-trip document, for rewriting without losing comments."""
        return self.round_trip.document

    @property
    def positions(self) -> Positions:
        return self.round_trip.positions

    @property
    def station(self) -> dict:
        return self.content["station"]

    @property
    def evaluation(self) -> dict:
        return self.content["evaluation"]

    @property
    def station_id(self) -> str:
        return self.station["id"]

    @property
    def district_id(self) -> str:
        return self.station["district"]["id"]

    @property
    def stage(self) -> str:
        return self.evaluation["stage"]

    @property
    def period(self) -> str:
        return self.evaluation["period"]

    @property
    def visit_date(self) -> datetime.date:
        return datetime.date.fromisoformat(self.evaluation["visit_date"])

    @property
    def key(self) -> str:
        """The record's id: district/station/period-stage, the same as its path under stations/."""
        return f"{self.district_id}/{self.station_id}/{self.period}-{self.stage}"

    @property
    def sub_district_ids(self) -> list[str]:
        return [s["id"] for s in self.station["sub_districts"]]

    def at(self, *keys, key: bool = False):
        return self.positions.of(keys, key=key)

    def inputs(self) -> Inputs:
        scores = {name: as_decimal(score) for name, score in self.content["scores"].items()}
        return Inputs(self.stage, scores, {name: fact_value(v) for name, v in self.content["facts"].items()})

    def table_label(self, sub_district: str) -> str:
        """How the report's score table names a sub-district (东1片区), defaulting to its id."""
        found = next((s for s in self.station["sub_districts"] if s["id"] == sub_district), {})
        return found.get("table_label", sub_district)


def as_decimal(score):
    """YAML integers stay int for the schema; the evaluator wants every number as a Decimal."""
    if isinstance(score, dict):
        return {k: as_decimal(v) for k, v in score.items()}
    return Decimal(score)


def fact_value(value):
    """A fact as the evaluator reads it: yes/no, a number, a percentage as a fraction, or Unchecked."""
    if isinstance(value, dict):
        return Unchecked(value["not_checked"])
    if isinstance(value, str):
        return Decimal(value.rstrip("%")).scaleb(-2)
    return value if isinstance(value, bool) else Decimal(value)


def read_record(path: str, text: str) -> StationRecord:
    """Parse one record file; YAML syntax errors raise, content is checked by schema_errors and the rules pass."""
    content = fast_mapping(text)
    if content is not None:
        return StationRecord(path, text, content, RoundTrip(path, text))
    return read_record_round_trip(path, text)


def read_record_round_trip(path: str, text: str) -> StationRecord:
    """The authority: ruamel's round-trip reader, which every error message comes from."""
    document = load_yaml(text, path)
    positions = Positions(path, text, document)
    if not isinstance(document, dict):
        raise RecordError(positions.of(()), "", "记录文件应由若干字段组成（如 “station:”、“evaluation:”）。", "station:\n  id: shiqiao-dongxi")
    return StationRecord(path, text, to_plain(document), RoundTrip(path, text, document))


# --- schema pass --------------------------------------------------------------------------------------


@cache
def record_validator() -> jsonschema.Draft202012Validator:
    """One validator for every record: building it (and its format checker) costs as much as validating."""
    return jsonschema.Draft202012Validator(record_schema(), format_checker=jsonschema.FormatChecker())


def schema_errors(record: StationRecord) -> list[SiteBuilderError]:
    """Values YAML read but the project refuses, then the schema; the first error at a position is the one shown."""
    errors = value_errors(record) + reserved_id_errors(record)
    validator = record_validator()
    if validator.is_valid(record.content):  # the common case, and cheaper than collecting no errors
        return errors
    for error in validator.iter_errors(record.content):
        errors += translate(error, record.positions)
    return errors


def translate(error: jsonschema.ValidationError, positions: Positions) -> list[RecordError]:
    keys = tuple(error.absolute_path)
    where = dotted(keys)
    title = schema_title(keys)
    kind = error.validator
    if kind == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return [RecordError(positions.of(keys, key=True), where, f"缺少必填字段“{k}”{field_title(error.schema, k)}。", f"{k}: …") for k in missing]
    if kind in ("additionalProperties", "unevaluatedProperties"):
        allowed = allowed_keys(error.schema)
        return [
            RecordError(
                positions.of(keys + (k,), key=True),
                dotted(keys + (k,)),
                f"未知字段“{k}”。{did_you_mean(k, allowed) or '可用的字段有：' + '、'.join(sorted(allowed)) + '。'}",
            )
            for k in error.instance
            if k not in allowed
        ]
    named = title or (str(keys[-1]) if keys else "此处")
    return [RecordError(positions.of(keys), where, value_message(error, named), example_of(error.schema))]


def value_message(error, named: str) -> str:
    value, kind, limit = error.instance, error.validator, error.validator_value
    if value is None:  # a blank left after the colon, as `site-builder new` leaves every field to fill
        return f"{named}还没有填写。"
    if kind == "type":
        return f"{named}应为{TYPE_NAMES.get(limit, limit)}，这里是“{shown(value)}”。"
    if kind in ("minimum", "exclusiveMinimum"):
        return f"{named}不能小于{'或等于' if kind == 'exclusiveMinimum' else ''} {limit}，这里是 {shown(value)}。"
    if kind == "maximum":
        return f"{named}不能大于 {limit}，这里是 {shown(value)}。"
    if kind in ("pattern", "format"):
        return f"{named}的格式不对：“{shown(value)}”。"
    if kind in ("minItems", "minLength", "minProperties"):
        return f"{named}不能为空。"
    if kind == "maxLength":
        return f"{named}太长：最多 {limit} 个字符，这里有 {len(value)} 个。"
    if kind == "not":  # the only negated rule: ids that Windows reserves for devices
        return f"{named}不能用“{shown(value)}”：这是 Windows 保留的设备名，不能作目录名。"
    if kind == "enum":
        return f"{named}只能是 {'、'.join(map(str, limit))} 之一，这里是“{shown(value)}”。"
    if kind in ("oneOf", "anyOf"):
        return f"{named}的写法不对：“{shown(value)}”。"
    return f"{named}不符合要求：{error.message}"


def example_of(schema) -> str | None:
    if not isinstance(schema, dict):
        return None
    schema = expanded(schema)
    examples = schema.get("examples")
    if examples:
        return "、".join(str(e) for e in examples)
    if any("not_checked" in part.get("properties", {}) for part in schema.get("oneOf", [])):  # the fact shape
        return f"是 写 true、否 写 false、数字如 0、比例如 {PERCENT_EXAMPLE}，未核查写 {{not_checked: 报告未载明}}"
    return None


def schema_title(keys: tuple) -> str | None:
    """The Chinese title the schema gives the field at keys."""
    return schema_node(keys).get("title")


def field_title(schema: dict, key: str) -> str:
    title = expanded(properties_of(expanded(schema)).get(key, {})).get("title")
    return f"（{title}）" if title else ""


def dotted(keys: tuple) -> str:
    text = ""
    for key in keys:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text


def shown(value) -> str:
    """A value as a message quotes it: short, and printable even when it holds a lone surrogate."""
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    text = text if len(text) <= 30 else text[:30] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# --- values YAML reads but the project refuses -------------------------------------------------------------


def value_errors(record: StationRecord) -> list[SiteBuilderError]:
    """Numbers not written in plain decimal notation, text with lone surrogates, and lists nested too deeply,
    anywhere in the record."""
    errors = []
    for keys, is_key, value in values_in(record.content):
        if isinstance(value, UnreadNumber):
            errors.append(number_error(record, keys, value))
        elif isinstance(value, str) and has_lone_surrogate(value):
            errors.append(surrogate_error(record, keys, is_key, value))
        elif isinstance(value, str) and "\n" in value and narrative.too_deep_at(value) is not None:
            errors.append(nesting_error(record, keys))
    return errors


def nesting_error(record: StationRecord, keys: tuple) -> RecordError:
    return RecordError(record.at(*keys), dotted(keys), narrative.TOO_DEEP, narrative.TOO_DEEP_EXAMPLE)


def values_in(node, keys: tuple = ()):
    """Every mapping key and every scalar value under node, as (path, is_key, value), in file order."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield keys + (key,), True, key
            yield from values_in(value, keys + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from values_in(value, keys + (index,))
    elif keys:
        yield keys, False, node


def number_error(record: StationRecord, keys: tuple, text: str) -> RecordError:
    return RecordError(
        record.at(*keys),
        dotted(keys),
        f"数字“{shown(text)}”{number_problem(text)}：分数、数量与金额只能写成普通的十进制数。若这里本应是文字，请加上引号。",
        f"{field_name(keys)}: {plain_equivalent(text)}",
    )


NUMBER_NOTATIONS = (
    ("0x", "是十六进制写法"),
    ("0o", "是八进制写法"),
    ("_", "用了下划线分隔"),
    ("e", "是科学计数法"),
    (".nan", "是 .nan（不是数）"),
    (".inf", "是 .inf（无穷大）"),
)


def number_problem(text: str) -> str:
    lower = text.lower().lstrip("+-")
    for mark, problem in NUMBER_NOTATIONS:
        if mark in lower:
            return problem
    whole, _, fraction = lower.partition(".")
    if len(whole) > MAX_INTEGER_DIGITS:
        return f"的整数部分有 {len(whole)} 位，超过了 {MAX_INTEGER_DIGITS} 位"
    if len(whole) > 1 and whole.startswith("0"):
        return "开头有多余的 0（YAML 会把它当作别的进制）"
    if PLAIN_DECIMAL.match(text):
        return f"的有效数字有 {len((whole + fraction).lstrip('0'))} 位，超过了 {MAX_SIGNIFICANT_DIGITS} 位"
    return "的写法不完整（小数点前后都要有数字，不写正号）"


def plain_equivalent(text: str) -> str:
    """The same number in plain notation, when there is a sensible one to suggest; else an example."""
    try:
        value = Decimal(int(text, 0)) if text.lower().lstrip("+-").startswith(("0x", "0o")) else Decimal(text)
    except (ValueError, ArithmeticError):
        return "12.5"
    if not value.is_finite() or len(text) > 40 or abs(value) >= 10**MAX_INTEGER_DIGITS:
        return "12.5"
    return f"{value.normalize():f}" if "e" in text.lower() else f"{value:f}"


def field_name(keys: tuple) -> str:
    return next((key for key in reversed(keys) if isinstance(key, str)), "值")


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def surrogate_error(record: StationRecord, keys: tuple, is_key: bool, text: str) -> RecordError:
    return RecordError(
        record.at(*keys, key=is_key),
        dotted(keys),
        f"文字“{shown(text)}”含有单独的代理码位（如 \\ud800），它不是任何字符，无法保存或发布。请删去这个转义，直接写出要写的字。",
        f"{field_name(keys)}: 市桥街道",
    )


def reserved_id_errors(record: StationRecord) -> list[SiteBuilderError]:
    """A district or station id that is also the name of a generated page (districts/index) would replace it."""
    errors = []
    for keys in (("station", "district", "id"), ("station", "id")):
        value = dig(record.content, keys)
        if isinstance(value, str) and reserved_page_name(value):
            errors.append(
                RecordError(
                    record.at(*keys),
                    dotted(keys),
                    f"编号不能用“{value}”：这是网站生成的页面使用的名称，页面会互相覆盖。请换一个编号。",
                    schema_examples(keys),
                )
            )
    return errors


def dig(content, keys: tuple):
    for key in keys:
        content = content.get(key) if isinstance(content, dict) else None
    return content


def schema_examples(keys: tuple) -> str | None:
    examples = {("station", "id"): "shiqiao-dongxi", ("station", "district", "id"): "panyu"}
    return f"id: {examples[keys]}" if keys in examples else None


# --- rules pass --------------------------------------------------------------------------------------


def record_rule_errors(record: StationRecord, ruleset: RuleSet) -> list[SiteBuilderError]:
    """What the record gets wrong with respect to the rule set that evaluates it."""
    return stage_errors(record, ruleset) + score_errors(record, ruleset) + fact_errors(record, ruleset) + sub_district_errors(record)


def stage_errors(record: StationRecord, ruleset: RuleSet) -> list[SiteBuilderError]:
    if record.stage in ruleset.stages:
        return []
    return [
        RecordError(
            record.at("evaluation", "stage"),
            "evaluation.stage",
            f"规则集“{ruleset.id}”（版本 {ruleset.version}）没有“{record.stage}”阶段，只有"
            f"{'、'.join(ruleset.stages)}。{did_you_mean(record.stage, ruleset.stages)}",
            "stage: 中期",
        )
    ]


def score_errors(record: StationRecord, ruleset: RuleSet) -> list[SiteBuilderError]:
    scores, errors = record.content["scores"], []
    for name in scores:
        if name not in ruleset.items:
            errors.append(
                RecordError(record.at("scores", name, key=True), f"scores.{name}", f"规则集中没有评分项“{name}”。{did_you_mean(name, ruleset.items)}")
            )
    for item in ruleset.items.values():
        if item.name not in scores:
            errors.append(
                RecordError(record.at("scores", key=True), "scores", f"缺少评分项“{item.name}”的评分（满分 {item.maximum}）。", f"{item.name}: 9.5")
            )
        else:
            errors += item_score_errors(record, item, scores[item.name])
    return errors


def item_score_errors(record: StationRecord, item, given) -> list[SiteBuilderError]:
    path = ("scores", item.name)
    if item.aggregate and not isinstance(given, dict):
        return [
            RecordError(
                record.at(*path), dotted(path), f"“{item.name}”按片区评分，应写成各片区的分数。", f"{item.name}:\n    西片区: 15\n    东一片区: 15.26"
            )
        ]
    if not item.aggregate and isinstance(given, dict):
        return [RecordError(record.at(*path), dotted(path), f"“{item.name}”不按片区评分，应写一个分数。", f"{item.name}: 9.5")]
    if not isinstance(given, dict):
        return range_errors(record, path, given, item.maximum)
    declared, errors = record.sub_district_ids, []
    for sub_district, score in given.items():
        if sub_district not in declared:
            errors.append(
                RecordError(
                    record.at(*path, sub_district, key=True),
                    dotted(path + (sub_district,)),
                    f"站点没有声明片区“{sub_district}”（station.sub_districts 中有：{listed(declared)}）。{did_you_mean(sub_district, declared)}",
                )
            )
        errors += range_errors(record, path + (sub_district,), score, item.maximum)
    # Every declared sub-district is scored: the rules average over the scores given, so a missing one would
    # silently change the item's score (87.25 instead of 87.08).
    for sub_district in declared:
        if sub_district not in given:
            errors.append(
                RecordError(
                    record.at(*path, key=True),
                    dotted(path),
                    f"缺少片区“{sub_district}”的评分：“{item.name}”按片区评分，station.sub_districts 中声明的每个片区都要评分。",
                    f"{item.name}:\n    {sub_district}: 15",
                )
            )
    return errors


LISTED_NAMES = 10  # a message names at most this many choices: thousands of them made megabytes of messages


def listed(names: list[str]) -> str:
    shown_names = "、".join(names[:LISTED_NAMES])
    return shown_names + (f" 等 {len(names)} 个" if len(names) > LISTED_NAMES else "")


def range_errors(record: StationRecord, path: tuple, score, maximum: Decimal) -> list[SiteBuilderError]:
    if score < 0 or score > maximum:
        return [RecordError(record.at(*path), dotted(path), f"评分 {score} 超出范围：应在 0 到满分 {maximum} 之间。", f"{path[-1]}: {maximum}")]
    return []


FACT_PYTHON_TYPES = {"是否": (bool,), "数值": (int, Decimal), "比例": (str,)}
FACT_EXAMPLES = {"是否": "false", "数值": "0", "比例": PERCENT_EXAMPLE}


def fact_errors(record: StationRecord, ruleset: RuleSet) -> list[SiteBuilderError]:
    facts, errors = record.content["facts"], []
    for name in facts:
        if name not in ruleset.facts:
            errors.append(
                RecordError(record.at("facts", name, key=True), f"facts.{name}", f"规则集中没有事实“{name}”。{did_you_mean(name, ruleset.facts)}")
            )
    for fact in ruleset.facts.values():
        example = f"{fact.name}: {FACT_EXAMPLES[fact.type]}　或　{fact.name}: {{not_checked: 报告未载明}}"
        if fact.name not in facts:
            errors.append(
                RecordError(
                    record.at("facts", key=True),
                    "facts",
                    f"缺少否决事实“{fact.name}”（{fact.label or fact.type}）。报告未写明时，记为未核查并写明原因。",
                    example,
                )
            )
            continue
        value = facts[fact.name]
        wrong_shape = not isinstance(value, dict) and (
            not isinstance(value, FACT_PYTHON_TYPES[fact.type]) or (fact.type == "数值" and isinstance(value, bool))
        )
        if wrong_shape:
            errors.append(
                RecordError(
                    record.at("facts", fact.name), f"facts.{fact.name}", f"事实“{fact.name}”应为{fact.type}，这里是“{shown(value)}”。", example
                )
            )
    return errors


def sub_district_errors(record: StationRecord) -> list[SiteBuilderError]:
    errors = []
    for index, section in enumerate(record.content["report"]["sub_districts"]):
        name = section["sub_district"]
        if name not in record.sub_district_ids:
            path = ("report", "sub_districts", index, "sub_district")
            errors.append(RecordError(record.at(*path), dotted(path), f"站点没有声明片区“{name}”。{did_you_mean(name, record.sub_district_ids)}"))
    return errors


def path_errors(record: StationRecord, stations_dir: str) -> list[SiteBuilderError]:
    """The file must live at stations/<district id>/<station id>/<period>-<stage>.yaml."""
    relative = PurePosixPath(record.path).relative_to(PurePosixPath(stations_dir)).as_posix()
    expected = record.key + ".yaml"
    if relative == expected:
        return []
    return [
        RecordError(
            record.at("station", "id"),
            "station.id",
            f"文件位置与记录中的编号不一致：文件在 {stations_dir}/{relative}，按记录中的区编号、站点编号、"
            f"服务年度和阶段，应在 {stations_dir}/{expected}。",
            f"{stations_dir}/{expected}",
        )
    ]
