"""The station-record field reference as Markdown, generated from the one schema definition."""

from __future__ import annotations

from .schema import expanded, properties_of, record_schema

TYPE_WORDS = {"string": "文字", "number": "数字", "integer": "整数", "boolean": "是/否", "object": "字段组", "array": "列表"}


def field_reference() -> str:
    schema = record_schema()
    lines = [
        "# 站点记录字段说明",
        "",
        "本页由记录结构定义（`site_builder/record_schema.yaml`）自动生成，与 `site-builder check` 的校验完全一致。",
        "",
        "| 字段 | 含义 | 类型 | 必填 | 说明 |",
        "|---|---|---|---|---|",
    ]
    lines += rows(schema, "")
    return "\n".join(lines) + "\n"


def rows(schema: dict, prefix: str) -> list[str]:
    found = []
    required = set(schema.get("required", []))
    for name, field in own_fields_first(schema).items():
        path = f"{prefix}.{name}" if prefix else name
        field = expanded(field)
        found.append(row(path, field, name in required))
        found += rows(field, path)
        if field.get("type") == "array" and isinstance(field.get("items"), dict):
            found += rows(expanded(field["items"]), path + "[]")
    return found


def own_fields_first(schema: dict) -> dict:
    """The fields of properties_of, a mapping's own listed before those it takes from allOf parts, as the page reads best."""
    fields = properties_of(schema)
    return {name: fields[name] for name in [*schema.get("properties", {}), *fields]}


def row(path: str, field: dict, required: bool) -> str:
    kind = TYPE_WORDS.get(field.get("type", ""), "见说明")
    note = field.get("description", "")
    if field.get("examples"):
        note += " 例：" + "、".join(f"`{e}`" for e in field["examples"])
    return f"| `{path}` | {field.get('title', '')} | {kind} | {'是' if required else ''} | {note.strip()} |"
