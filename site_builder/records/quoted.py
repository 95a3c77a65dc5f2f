"""How a message quotes what the author wrote: short, printable, and never thousands of names long."""

from __future__ import annotations

LISTED_NAMES = 10  # a message names at most this many choices: thousands of them made megabytes of messages


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


def listed(names: list[str]) -> str:
    shown_names = "、".join(names[:LISTED_NAMES])
    return shown_names + (f" 等 {len(names)} 个" if len(names) > LISTED_NAMES else "")
