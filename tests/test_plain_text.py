"""site_builder.site.plain_text must change nothing but speed: the same HTML with and without it."""

from __future__ import annotations

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config
from site_harness import ROOT, synthetic_records

from site_builder.records.project import load_project
from site_builder.site.assembly import BulkPages
from site_builder.site.provenance import Provenance

CONFIG = load_config(str(ROOT / "mkdocs.yml"))
WITHOUT = [ext for ext in CONFIG.markdown_extensions if ext != "site_builder.site.plain_text"]


def converters() -> tuple[markdown.Markdown, markdown.Markdown]:
    assert "site_builder.site.plain_text" in CONFIG.markdown_extensions  # the site uses it
    return (
        markdown.Markdown(extensions=CONFIG.markdown_extensions, extension_configs=CONFIG.mdx_configs),
        markdown.Markdown(extensions=WITHOUT, extension_configs=CONFIG.mdx_configs),
    )


def same_html(text: str) -> None:
    fast, stock = converters()
    assert fast.convert(text) == stock.convert(text)


@pytest.fixture(scope="module")
def generated_pages(tmp_path_factory) -> list[str]:
    repo = synthetic_records(tmp_path_factory.mktemp("plain"), 30, seed_record=True)
    pages = BulkPages(load_project(repo, cache=False), Provenance())
    return [pages.markdown(index) for index in range(len(pages.sources))]


def test_report_and_station_pages_render_the_same(generated_pages):
    fast, stock = converters()
    for text in generated_pages:
        fast.reset(), stock.reset()
        assert fast.convert(text) == stock.convert(text)


@pytest.mark.parametrize(
    "text",
    [
        "社工**重点**服务，*强调*与_下划线_，`代码`，\\*转义\\*",
        "链接 [市桥](https://example.org) 与图片 ![图](a.png)，引用 [站点][1]\n\n[1]: https://example.org",
        "自动链接 <https://example.org> 与邮件 <a@example.org>，实体 &amp; &#20320; &lt;b&gt;",
        "行尾两个空格  \n换行；<span>行内 HTML</span>；单独的 * 与 _ 号",
        "| 项目 | 内容 |\n|---|---|\n| **加粗** | 普通文字 |\n| `代码` | 100% |",
        '!!! note "提示"\n    普通文字，然后是 **加粗**。\n\n??? info "计算过程"\n    - **总分**：(15 + 15.26) ÷ 3',
        "# 标题 *斜体*\n\n## 二级 `代码`\n\n纯中文段落，没有任何标记。",
    ],
)
def test_each_inline_construct_renders_the_same(text):
    same_html(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("社工站服务ab1 \n*_`[]()!<>&#;\\|-:@/.") + ["  \n", "&amp;", "**", "<b>", "](x)", "\n\n"]), max_size=60))
def test_any_text_renders_the_same(pieces):
    same_html("".join(pieces))
