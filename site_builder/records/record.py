"""Station records: YAML files → validated records with positions kept, checked against the rules.

Validation runs in two passes. The schema pass (record_schema.yaml, via jsonschema) catches unknown
keys, missing fields and wrong types. The rules pass catches what only the rule set knows: item names,
score ranges, sub-districts, stages, veto facts, and the file path agreeing with the ids.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import PurePosixPath

import jsonschema

from ..errors import RecordError, SiteBuilderError, did_you_mean
from ..language.evaluate import Inputs, computed_problems
from ..language.ruleset import FactType, RuleSet
from . import narrative
from .inputs import FACT_EXAMPLES, UNCHECKED_EXAMPLE, inputs_from, is_number, score_problem, unread_number_problem
from .quoted import listed, shown
from .schema import allowed_keys, expanded, properties_of, record_schema, schema_node
from .source_files import reserved_page_name
from .yaml_source import (
    Positions,
    RoundTrip,
    UnreadNumber,
    fast_mapping,
    full_width_entry_problem,
    indent_fix,
    load_yaml,
    to_plain,
)

# 二（七）'s heading when the record names no supervision centre (report.supervision_feedback.title): the report page
# and the Word export print it, and the Word import leaves it out of the record again.
SUPERVISION_TITLE = "督导方反馈"
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

    def table_label(self, sub_district: str) -> str:
        """How the report's score table names a sub-district (东1片区), defaulting to its id."""
        found: dict = next((s for s in self.station["sub_districts"] if s["id"] == sub_district), {})
        return found.get("table_label", sub_district)


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
        return [unknown_field(positions, keys, k, error.instance, allowed) for k in error.instance if k not in allowed]
    if kind in ("type", "oneOf", "anyOf") and (full_width := full_width_entry_problem(keys[-1] if keys else "", error.instance)):
        return [RecordError(positions.of(keys), where, *full_width)]
    if keys[:1] == ("scores",) and len(keys) in (2, 3) and (refused := refused_scores(keys, error.instance, positions)):
        return refused
    named = title or (str(keys[-1]) if keys else "此处")
    return [RecordError(positions.of(keys), where, value_message(error, named), example_of(error.schema))]


def unknown_field(positions: Positions, keys: tuple, name: str, mapping: dict, allowed: set[str]) -> RecordError:
    """A key the mapping does not allow; when it is a field of the block just above, it is that block's last key
    moved left: YAML takes it as a key of this mapping, and the author needs the indent back, not another name."""
    block = block_above(mapping, name)
    if block is not None and name in allowed_keys(schema_node(keys + (block,))):
        return lost_indent_error(positions, mapping, keys, name, "字段")
    hint = did_you_mean(name, allowed) or "可用的字段有：" + "、".join(sorted(allowed)) + "。"
    return RecordError(positions.of(keys + (name,), key=True), dotted(keys + (name,)), f"未知字段“{name}”。{hint}")


def block_above(mapping: dict, name: str) -> str | None:
    """The key just before name in the file, when its value is a block of fields that name could have ended."""
    names = list(mapping)
    above = names[names.index(name) - 1] if name in names and names.index(name) > 0 else None
    return above if above is not None and isinstance(mapping[above], dict) and mapping[above] else None


def lost_indent_error(positions: Positions, mapping: dict, keys: tuple, name: str, kind: str) -> RecordError:
    """name, at keys in mapping, is the last key of the block above it moved left: the indent of that block's fields."""
    block = block_above(mapping, name)
    assert block is not None  # callers ask block_above first
    pos = positions.of(keys + (name,), key=True)
    wanted = positions.of(keys + (block, list(mapping[block])[-1]), key=True).col - 1
    level = f"“{dotted(keys)}”里" if keys else "记录最外层"
    return RecordError(
        replace(pos, end_line=pos.line, end_col=pos.col + len(str(name))),
        dotted(keys + (name,)),
        f"“{name}”很可能丢了缩进：它是上面“{block}”里的{kind}；少了缩进，它就离开了“{block}”，成了{level}的一个未知字段。",
        indent_fix(pos.line_text, wanted),
    )


def refused_scores(keys: tuple, value, positions: Positions) -> list[RecordError]:
    """Scores the schema refused, in the words of the rules pass (inputs.score_problem), which reports them at the
    same positions when a rule set applies (the first at a position is kept); without one, these are what is shown."""
    if not isinstance(value, dict):
        return [RecordError(positions.of(keys), dotted(keys), *score_problem(keys[-1], value))]
    wrong = [(area, score) for area, score in value.items() if not is_number(score)]
    return [RecordError(positions.of(keys + (area,)), dotted(keys + (area,)), *score_problem(area, score)) for area, score in wrong]


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
        return f"是 写 true、否 写 false、数字如 0、比例如 {FACT_EXAMPLES[FactType.RATIO]}，未核查写 {UNCHECKED_EXAMPLE}"
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


# --- values YAML reads but the project refuses -------------------------------------------------------------


def value_errors(record: StationRecord) -> list[SiteBuilderError]:
    """Numbers not written in plain decimal notation, text with lone surrogates, and lists nested too deeply,
    anywhere in the record."""
    errors: list[SiteBuilderError] = []
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
    return RecordError(record.at(*keys), dotted(keys), *unread_number_problem(field_name(keys), text))


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
    errors: list[SiteBuilderError] = []
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


def checked_against_rules(record: StationRecord, ruleset: RuleSet) -> tuple[Inputs, list[SiteBuilderError]]:
    """The record's inputs for the evaluator (inputs_from, as rule tests read theirs) and what the record gets wrong
    with respect to the rule set; the inputs are evaluated only when there is nothing wrong."""
    read = inputs_from(record.content, ruleset)
    errors: list[SiteBuilderError] = [RecordError(record.at(*p.keys, key=p.key), dotted(p.keys), p.message, p.example) for p in read.problems]
    for check in (stage_errors, missing_score_errors, sub_district_score_errors, missing_fact_errors):
        errors += readable_part(lambda check=check: check(record, ruleset), [])
    errors += readable_part(lambda: sub_district_errors(record), [])
    inputs = Inputs(readable_part(lambda: record.stage, None), read.scores, read.facts)
    errors += formula_errors(record, ruleset, inputs, complete=not errors)
    return inputs, errors


def formula_errors(record: StationRecord, ruleset: RuleSet, inputs: Inputs, complete: bool) -> list[SiteBuilderError]:
    """The rules' formulas on this record (evaluate.computed_problems), told at the first fact each one reads, which is
    where the author fixes it (a score computed above its 满分 comes from a fact typed wrongly)."""
    errors: list[SiteBuilderError] = []
    for problem in computed_problems(ruleset, inputs, complete):
        keys = ("facts", problem.facts[0]) if problem.facts else ("scores",)
        errors.append(RecordError(record.at(*keys), dotted(keys), problem.message))
    return errors


def readable_part(check, fallback):
    """One rules-pass check on a record that may have failed the schema (no station.sub_districts, say): what it
    cannot read it skips, and the other checks still run, so a score above its maximum is reported in the same run."""
    try:
        return check()
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
        return fallback


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


def missing_score_errors(record: StationRecord, ruleset: RuleSet) -> list[SiteBuilderError]:
    scores = record.content["scores"]
    if not isinstance(scores, dict):  # reported as written wrongly (inputs.section), not as every item missing
        return []
    return [
        dedented_or(
            record,
            "scores",
            item.name,
            "评分项",
            RecordError(record.at("scores", key=True), "scores", f"缺少评分项“{item.name}”的评分（满分 {item.maximum}）。", f"{item.name}: 9.5"),
        )
        for item in ruleset.items.values()
        if item.name not in scores and not item.computed
    ]


def dedented_or(record: StationRecord, block: str, name: str, kind: str, missing: RecordError) -> RecordError:
    """An item or fact missing from its block that stands just below the block, one level up, is the block's last
    line moved left: reported there, with the indent to add (the schema pass reports the same key as unknown)."""
    if block_above(record.content, name) == block:
        return lost_indent_error(record.positions, record.content, (), name, kind)
    return missing


def sub_district_score_errors(record: StationRecord, ruleset: RuleSet) -> list[SiteBuilderError]:
    """Each item scored per sub-district scores exactly the sub-districts the station declares."""
    errors = []
    for item in ruleset.items.values():
        given = record.content["scores"].get(item.name)
        if item.aggregate and isinstance(given, dict):
            errors += undeclared_sub_districts(record, item, given) + unscored_sub_districts(record, item, given)
    return errors


def undeclared_sub_districts(record: StationRecord, item, given: dict) -> list[SiteBuilderError]:
    path, declared = ("scores", item.name), record.sub_district_ids
    return [
        RecordError(
            record.at(*path, sub_district, key=True),
            dotted(path + (sub_district,)),
            f"站点没有声明片区“{sub_district}”（station.sub_districts 中有：{listed(declared)}）。{did_you_mean(sub_district, declared)}",
        )
        for sub_district in given
        if sub_district not in declared
    ]


def unscored_sub_districts(record: StationRecord, item, given: dict) -> list[SiteBuilderError]:
    # The rules average over the scores given, so a missing sub-district would silently change the item's score
    # (87.25 instead of 87.08).
    path = ("scores", item.name)
    return [
        RecordError(
            record.at(*path, key=True),
            dotted(path),
            f"缺少片区“{sub_district}”的评分：“{item.name}”按片区评分，station.sub_districts 中声明的每个片区都要评分。",
            f"{item.name}:\n    {sub_district}: 15",
        )
        for sub_district in record.sub_district_ids
        if sub_district not in given
    ]


def missing_fact_errors(record: StationRecord, ruleset: RuleSet) -> list[SiteBuilderError]:
    facts = record.content["facts"]
    if not isinstance(facts, dict):  # reported as written wrongly (inputs.section), not as every fact missing
        return []
    return [
        dedented_or(
            record,
            "facts",
            fact.name,
            "否决事实",
            RecordError(
                record.at("facts", key=True),
                "facts",
                f"缺少否决事实“{fact.name}”（{fact.label or fact.type}）。报告未写明时，记为未核查并写明原因。",
                f"{fact.name}: {FACT_EXAMPLES[fact.type]}　或　{fact.name}: {UNCHECKED_EXAMPLE}",
            ),
        )
        for fact in ruleset.facts.values()
        if fact.name not in facts
    ]


def sub_district_errors(record: StationRecord) -> list[SiteBuilderError]:
    errors: list[SiteBuilderError] = []
    for index, section in enumerate(record.content["report"].get("sub_districts", [])):
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
