"""How figures, percentages, citations and calculation steps are written: one spelling for the terminal, the pages,
the open data and the error messages. Pure text; a page escapes what it takes from here (site/pages/text.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from . import ast


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros beyond what it carries: 15.09, 20, 0.55."""
    return f"{value:f}"


def approximate(value: Decimal, places: int = 6) -> str:
    """A long quotient shortened for reading (15.086666…); exact values are shown whole."""
    text = plain(value)
    whole, _, fraction = text.partition(".")
    return text if len(fraction) <= places else f"{whole}.{fraction[:places]}…"


def percent(fraction: Decimal) -> str:
    """A fraction as a percentage, as the rule file writes it: 0.55 → 55%, 0.125 → 12.5%."""
    return f"{(fraction * 100).normalize():f}%"


def percent_figure(figure: Decimal) -> str:
    """A figure already counted in percent (a completion rate, a chart's scale), with its sign: 85.5 → 85.5%."""
    return f"{plain(figure)}%"


def share_of(part: int, whole: int) -> str:
    """What share part is of whole, as a percentage with at most one decimal: 100%, 66.7%, 0%."""
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return percent_figure(value if value % 1 else value.quantize(Decimal(1)))


def citation_text(citation: ast.Citation) -> str:
    """A citation as the rule file writes it between 【】: the document's short name and the clause."""
    return f"{citation.document} {citation.clause}".strip()


def cited(citation: ast.Citation, documents: Mapping[str, ast.Document]) -> str:
    """A citation in its brackets, followed by the full title of the document it names: 【评估办法 一（五）】 《…》."""
    document = documents.get(citation.document)
    return f"【{citation_text(citation)}】" + (f" {document.title}" if document else "")


def effective_period(effective: ast.Effective, open_end: str = "起") -> str:
    """A version's 生效 period as the rule file says it (2024-08-26 至 2025-06-30, 2025-07-01 起); open_end="至今" for tables."""
    if effective.end is None:
        return f"{effective.start} {open_end}"
    return f"{effective.start} 至 {effective.end}"


def rule_location(pos: ast.SourcePos) -> str:
    """Where a rule is: file:line."""
    return f"{pos.file}:{pos.line}"


def step_lines(step, documents: Mapping[str, ast.Document], *, formula_apart: bool) -> list[str]:
    """A calculation step for the terminal: what was computed and its formula, then the rule line and citation.

    formula_apart puts the formula on its own line under the subject (explain); else they share one (rule tests).
    """
    lines = [f"■ {step.subject}", f"  {step.formula}"] if formula_apart else [f"■ {step.subject}：{step.formula}"]
    where = f"{rule_location(step.pos)}  {step.pos.line_text.strip()}".rstrip() if step.pos else "—"
    lines.append(f"  规则：{where}")
    lines += [f"        {rule_location(pos)}  {pos.line_text.strip()}".rstrip() for pos in getattr(step, "also", ())]
    if step.citation:
        lines.append(f"  依据：{cited(step.citation, documents)}")
    return lines


def rounding_words(rounding: ast.Rounding) -> str:
    """A declared rounding in words: 四舍五入取整 (保留 0 位), 四舍五入保留 2 位小数 (no mode written: 四舍五入)."""
    mode = rounding.mode or "四舍五入"
    return f"{mode}取整" if rounding.places == 0 else f"{mode}保留 {rounding.places} 位小数"
