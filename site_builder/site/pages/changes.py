"""What changed between two versions of a rule set, in sentences policy staff can check against the regulation."""

from __future__ import annotations

from ...language.evaluate import render
from ...language.formatting import percent, plain
from ...language.ruleset import RuleSet
from .explain import band_words, literal_text


def changes(old: RuleSet, new: RuleSet) -> list[str]:
    """Every difference that can move a score, a grade or a veto, from old to new."""
    return (
        party_changes(old, new)
        + item_changes(old, new)
        + band_changes(old, new)
        + parameter_changes(old, new)
        + veto_changes(old, new)
        + stage_changes(old, new)
    )


def compare(kind: str, old: dict, new: dict, describe) -> list[str]:
    found = [f"新增{kind}“{name}”：{describe(new[name])}。" for name in new if name not in old]
    found += [f"删除{kind}“{name}”。" for name in old if name not in new]
    found += [
        f"{kind}“{name}”：{describe(old[name])} → {describe(new[name])}。"
        for name in new
        if name in old and describe(old[name]) != describe(new[name])
    ]
    return found


def party_changes(old: RuleSet, new: RuleSet) -> list[str]:
    return compare("评估方", old.parties, new.parties, lambda p: f"权重 {percent(p.weight)}" + ("，按百分制折算" if p.scaled else ""))


def item_changes(old: RuleSet, new: RuleSet) -> list[str]:
    def describe(item) -> str:
        text = f"属于{item.party.name}，满分 {plain(item.maximum)}"
        if item.aggregate:
            rounding = item.aggregate.rounding
            text += f"，按片区{item.aggregate.written.name}" + (f"保留 {rounding.places} 位" if rounding else "")
        return text

    return compare("评分项", old.items, new.items, describe)


def band_changes(old: RuleSet, new: RuleSet) -> list[str]:
    return compare("等级", {b.name: b for b in old.bands}, {b.name: b for b in new.bands}, band_words)


def parameter_changes(old: RuleSet, new: RuleSet) -> list[str]:
    def describe(parameter) -> str:
        if parameter.value is not None:
            return literal_text(parameter.value)
        return "、".join(f"{s.stage.name} {literal_text(s.value)}" for s in parameter.staged)

    return compare("参数", old.parameters, new.parameters, describe)


def veto_changes(old: RuleSet, new: RuleSet) -> list[str]:
    return compare("否决情形", {v.name: v for v in old.vetoes}, {v.name: v for v in new.vetoes}, lambda v: f"当 {render(v.condition)}")


def stage_changes(old: RuleSet, new: RuleSet) -> list[str]:
    if old.stages == new.stages:
        return []
    return [f"评估阶段：{'、'.join(old.stages)} → {'、'.join(new.stages)}。"]
