"""A published site says who it is (issue 18, part 3), on a real `site-builder build` with site_url set: the sitemap
and every canonical link use site_url, the footer names the publisher and the build date on every kind of page, each
report has its 对评估结果有异议 section (公示期 and the configured issue link), the 404 page is Chinese, and the
maintainers' pages are in their own navigation section, last."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from site_harness import SEED_RECORD, copy_seed_repo

from site_builder.commands.cli import main

pytestmark = pytest.mark.slow
SITE_URL = "https://pinggu.example.org/sub/"
REPORT = "reports/panyu/shiqiao-dongxi/2024-2025-中期/"
ISSUE_LINK = "https://git.example.org/pinggu/issues/new?title={标题}&body={记录}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    repo = copy_seed_repo(tmp_path_factory.mktemp("identity"), site=True)
    config = repo / "mkdocs.yml"
    text = config.read_text(encoding="utf-8").replace("# site_url: https://…/", f"site_url: {SITE_URL}")
    config.write_text(text.replace('    objection: ""', f"    objection: {ISSUE_LINK}"), encoding="utf-8")
    record = repo / SEED_RECORD
    record.write_text(
        record.read_text(encoding="utf-8").replace(
            "  visit_date: 2025-02-20\n", "  visit_date: 2025-02-20\n  publicity:\n    start: 2025-03-03\n    end: 2025-03-09\n"
        ),
        encoding="utf-8",
    )
    assert main(["--root", str(repo), "build"]) == 0
    return repo / "site"


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_the_sitemap_lists_every_page_under_site_url_reports_included(site):
    locations = re.findall(r"<loc>([^<]+)</loc>", read(site, "sitemap.xml"))
    assert locations and all(location.startswith(SITE_URL) for location in locations)
    assert SITE_URL + quote(REPORT) in locations or SITE_URL + REPORT in locations
    assert SITE_URL + "data/" in locations


@pytest.mark.parametrize("page", ["index.html", REPORT + "index.html", "data/index.html", "stations/shiqiao-dongxi/index.html"])
def test_every_page_has_a_canonical_link_under_site_url_and_the_publisher_footer(site, page):
    html = read(site, page)
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    assert canonical and canonical.group(1).startswith(SITE_URL)
    footer = html[html.index('class="md-footer"') :]
    assert "发布单位：测试区民政局" in footer and 'href="mailto:pinggu@example.org"' in footer
    assert "开放数据许可：知识共享署名 4.0 国际许可协议（CC BY 4.0）" in footer
    assert re.search(r"更新日期：(\d{4}年\d{1,2}月\d{1,2}日|未知)", footer) and "<!-- site-builder" not in html


def test_a_report_says_how_to_object_with_its_publicity_period_and_an_issue_link_naming_the_record(site):
    html = read(site, REPORT + "index.html")
    section = html[html.index('id="对评估结果有异议"') :]
    assert "本评估结果的公示期为 2025年3月3日 至 2025年3月9日" in section
    link = re.search(r'<a href="(https://git\.example\.org/pinggu/issues/new\?[^"]+)">异议登记页面</a>', section)
    assert link and quote("stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml", safe="") in link.group(1).replace("&#38;", "&")


def test_the_404_page_is_chinese_with_links_under_the_site_path(site):
    html = read(site, "404.html")
    assert "找不到这个页面（404）" in html and "Not found" not in html
    assert '<a href="/sub/reports/">查看全部评估</a>' in html and "发布单位：测试区民政局" in html


def test_the_open_data_links_reports_under_site_url(site):
    csv_text = read(site, "data/results.csv")
    assert SITE_URL + REPORT in csv_text


def test_maintainer_pages_are_in_their_own_navigation_section_last(site):
    html = read(site, "index.html")
    nav = html[html.index('class="md-nav md-nav--primary"') :]
    sections = [re.sub(r"<[^>]+>|\s", "", part.split(">", 1)[1].split("</label>")[0]) for part in nav.split("md-nav__item--section")[1:]]
    assert sections[-2:] == ["参与贡献", "维护与开发"]
    public, maintainers = nav.split("维护与开发", 1)
    for page in ("performance/", "ci/", "rule-language/", "scale-out/", "maintainers/", "cookbook/"):
        assert f'href="{page}"' not in public and f'href="{page}"' in maintainers
    assert 'href="contribute/"' in public and 'href="records/"' in public
