"""The tree is the map: no module imports from a layer above its own (errors < language < records < site < commands).

Every module under site_builder/ is parsed with ast (nothing is imported), each of its imports of site_builder
modules resolved, wherever it is written (top of the file or inside a function: a lazy import is still a
dependency). site_builder/__init__.py and __main__.py are the public face above every layer and may import any.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "site_builder"
LAYERS = ["errors", "language", "records", "site", "commands"]
FACADE = {"site_builder", "site_builder.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in path.parts}


def layer(module: str) -> int | None:
    """The layer of site_builder.<layer>[...], or None for the package itself and its facade modules."""
    parts = module.split(".")
    if len(parts) < 2 or module in FACADE:
        return None
    return LAYERS.index(parts[1])


def imported(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, module) for every site_builder module or package this module imports."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "site_builder"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "site_builder":
                continue
            # `from . import x` and `from ..site import pages` name modules: the layer is the module's own
            found += [(node.lineno, f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules() else target) for alias in node.names]
    return found


def violations(module: str, path: Path) -> list[str]:
    own = layer(module)
    if own is None:
        return []
    return [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {module} ({LAYERS[own]}) imports {target} ({LAYERS[layer(target)]})"
        for line, target in imported(module, path)
        if layer(target) is not None and layer(target) > own
    ]


def test_every_module_is_in_a_layer():
    strays = [name for name in modules() if name not in FACADE and name.split(".")[1] not in LAYERS]
    assert not strays, f"modules outside the layers {LAYERS}: {strays}"


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_import_from_a_higher_layer(module):
    assert not violations(module, modules()[module])


def test_the_check_sees_a_bad_import(tmp_path):
    """A records module importing the site, at the top or inside a function, is caught (and resolved relatively)."""
    for text in (
        "from ..site.pages import urls\n",
        "def f():\n    from ..site import plugin\n",
        "from ..commands.cli import main\n",
        "import site_builder.site.render\n",
    ):
        source = tmp_path / "probe.py"
        source.write_text(text, encoding="utf-8")
        found = [target for _, target in imported("site_builder.records.probe", source)]
        assert any(layer(target) > LAYERS.index("records") for target in found), text


def test_public_api(tmp_path):
    from site_harness import copy_seed_repo

    import site_builder

    assert all(hasattr(site_builder, name) for name in site_builder.__all__)
    project = site_builder.load_project(copy_seed_repo(tmp_path), cache=False)
    assert not project.errors and project.records


README = PACKAGE.parent / "README.md"


def readme_map() -> str:
    """The code block of README's section 目录与数据流: the map a newcomer reads."""
    section = README.read_text(encoding="utf-8").split("## 目录与数据流", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_the_readme_map_names_every_module_and_no_module_that_is_gone():
    text = readme_map()
    files = [path for path in modules().values() if path.name != "__init__.py"]
    unnamed = [str(path.relative_to(PACKAGE)) for path in files if not re.search(rf"(?<![\w/]){re.escape(path.stem)}(\.py)?(?![\w])", text)]
    assert not unnamed, f"README 的目录与数据流没有写到这些模块：{unnamed}"
    existing = {path.name for folder in ("site_builder", "tests", "bench") for path in (PACKAGE.parent / folder).rglob("*.py")}
    gone = sorted(set(re.findall(r"\b(\w+\.py)\b", text)) - existing)
    assert not gone, f"README 的目录与数据流写到了已不存在的模块：{gone}"
