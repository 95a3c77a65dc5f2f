"""The station-record schema: the one definition (record_schema.yaml) and the JSON Schema generated from it.

The generated JSON Schema adds what the rule files know, the item and fact names and the stages,
so that an editor completes 服务质量 or 社工缺少人次 while staff type.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

from ruamel.yaml import YAML

from ..language.ruleset import FactType, RuleSet

DEFINITION = Path(__file__).with_name("record_schema.yaml")
SCHEMA_FILE = Path("schema") / "station-record.schema.json"
FACT_SHAPES = {FactType.YES_NO: "#/$defs/yes_no", FactType.COUNT: "#/$defs/count", FactType.RATIO: "#/$defs/percent"}


@cache
def record_schema() -> dict:
    """The schema definition as written, used for validation."""
    return YAML(typ="safe").load(DEFINITION.read_text(encoding="utf-8"))


# --- walking the definition: the one place that follows $ref and allOf ----------------------------------


def resolve(ref: str) -> dict:
    """The definition a local $ref ("#/$defs/date") points at."""
    node = record_schema()
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def expanded(field: dict) -> dict:
    """A field with its $ref filled in; the field's own title and description win over the referenced ones."""
    return {**resolve(field["$ref"]), **field} if "$ref" in field else field


def properties_of(schema: dict) -> dict:
    """A mapping's fields, including those it takes from allOf parts (report.sub_districts takes findings')."""
    properties = {}
    for part in schema.get("allOf", []):
        properties.update(properties_of(expanded(part)))
    return {**properties, **schema.get("properties", {})}


def allowed_keys(schema: dict) -> set[str]:
    """Property names a mapping may use, following $ref and allOf."""
    return set(properties_of(expanded(schema)))


def schema_node(keys: tuple) -> dict:
    """The schema of the field at keys, following properties, items, allOf and $ref ({} where the schema says nothing)."""
    node = record_schema()
    for key in keys:
        node = expanded(node)
        if isinstance(key, int):
            node = node.get("items", {})
        else:
            others = node.get("additionalProperties")
            node = properties_of(node).get(key) or (others if isinstance(others, dict) else {})
        if not isinstance(node, dict):
            return {}
    return expanded(node)


def json_schema(rulesets: list[RuleSet]) -> dict:
    """The editor's JSON Schema: the definition plus item, fact and stage names from every rule set."""
    schema = copy.deepcopy(record_schema())
    schema["$defs"]["yes_no"] = {"type": "boolean"}
    schema["$defs"]["count"] = {"type": "number", "minimum": 0}
    properties = schema["properties"]
    properties["scores"]["properties"] = score_properties(rulesets)
    properties["facts"]["properties"] = fact_properties(rulesets)
    stages = sorted({stage for ruleset in rulesets for stage in ruleset.stages})
    properties["evaluation"]["properties"]["stage"]["enum"] = stages
    ids = sorted({ruleset.id for ruleset in rulesets})
    properties["evaluation"]["properties"]["rules"]["properties"]["id"]["enum"] = ids
    return ecma_patterns(schema)


def ecma_patterns(node):
    """Editors read patterns as JavaScript, where \\Z is no anchor but $ is the end of the text: the same rule."""
    if isinstance(node, dict):
        return {
            key: (value.replace("\\Z", "$") if key == "pattern" and isinstance(value, str) else ecma_patterns(value)) for key, value in node.items()
        }
    if isinstance(node, list):
        return [ecma_patterns(value) for value in node]
    return node


def score_properties(rulesets: list[RuleSet]) -> dict:
    found = {}
    for ruleset in rulesets:
        for item in (i for i in ruleset.items.values() if not i.computed):  # a computed item is no record's to score
            shape = (
                {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": float(item.maximum)}}
                if item.aggregate
                else {"type": "number", "minimum": 0, "maximum": float(item.maximum)}
            )
            found[item.name] = {"title": item.label or item.name, "description": f"满分 {item.maximum}（{ruleset.title} {ruleset.version}）", **shape}
    return found


def fact_properties(rulesets: list[RuleSet]) -> dict:
    found = {}
    for ruleset in rulesets:
        for fact in ruleset.facts.values():
            found[fact.name] = {
                "title": fact.label or fact.name,
                "description": f"{fact.type}；未核查时写 {{not_checked: 原因}}",
                "anyOf": [{"$ref": FACT_SHAPES[fact.type]}, {"$ref": "#/$defs/fact"}],
            }
    return found


def json_schema_text(rulesets: list[RuleSet]) -> str:
    return json.dumps(json_schema(rulesets), ensure_ascii=False, indent=2) + "\n"
