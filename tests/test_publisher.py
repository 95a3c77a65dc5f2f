"""Who publishes the site (site/pages/publisher.py) and the refusal to publish placeholders (site/publish.py):
mkdocs.yml's extra.publisher read with honest defaults, addresses that can only be mailto: or http(s), the objection
section with the 公示期, and `site-builder build` naming the mkdocs.yml lines still to fill in."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_harness import ADOPTED_PUBLISHER, ROOT, adopted

from site_builder.commands.cli import main
from site_builder.site.pages.publisher import (
    PLACEHOLDER,
    Publisher,
    address_link,
    footer_html,
    objection_section,
)

TITLE = "市桥街东西片社工服务站中期评估报告"
RECORD = "stations/panyu/shiqiao-dongxi/2024-2025-中期.yaml"


def test_a_missing_publisher_reads_as_placeholders_that_say_where_to_fill_them_in():
    publisher = Publisher.from_extra({"generator": False})
    assert publisher.placeholders() == ["name", "contact", "licence"]
    assert all(PLACEHOLDER in getattr(publisher, key) for key in publisher.placeholders())


def test_written_values_replace_the_placeholders_and_unknown_keys_are_ignored():
    publisher = Publisher.from_extra({"publisher": {**ADOPTED_PUBLISHER, "colour": "红"}})
    assert publisher.placeholders() == []
    assert (publisher.name, publisher.contact) == ("测试区民政局", "pinggu@example.org")


def test_the_repository_mkdocs_yml_holds_placeholders_and_the_adopted_copy_none():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert text.count(PLACEHOLDER) >= 3
    assert PLACEHOLDER not in adopted(text).split("\nnav:")[0].replace(f"“{PLACEHOLDER}”", "")


def test_an_e_mail_address_becomes_a_mailto_link_with_the_report_as_subject_and_the_record_in_the_body():
    link = address_link("mailto:yiyi@example.org", f"对评估结果有异议：{TITLE}", RECORD)
    assert link is not None and link.startswith("mailto:yiyi@example.org?subject=%E5%AF%B9")
    assert "&body=" in link and "stations/panyu" in link


def test_an_issue_link_template_gets_the_record_and_title_percent_encoded():
    link = address_link("https://git.example.org/x/issues/new?title={标题}&body={记录}", TITLE, RECORD)
    assert link == (
        "https://git.example.org/x/issues/new?title=%E5%B8%82%E6%A1%A5%E8%A1%97%E4%B8%9C%E8%A5%BF%E7%89%87%E7%A4%BE%E5%B7%A5%E6%9C%8D%E5%8A%A1"
        "%E7%AB%99%E4%B8%AD%E6%9C%9F%E8%AF%84%E4%BC%B0%E6%8A%A5%E5%91%8A&body=stations%2Fpanyu%2Fshiqiao-dongxi%2F2024-2025-%E4%B8%AD%E6%9C%9F.yaml"
    )


@pytest.mark.parametrize("text", ["javascript:alert(1)", "data:text/html,<b>", "020-12345678", "番禺区市桥街 1 号", "ftp://x.org/a"])
def test_anything_but_an_e_mail_or_web_address_stays_text(text):
    assert address_link(text) is None
    assert "<a " not in footer_html(Publisher(contact=text))


def test_config_text_reaches_the_footer_escaped():
    footer = footer_html(Publisher(name='<script>alert("x")</script>', contact="a@b.org", licence="CC & <i>BY</i>"))
    assert "<script>" not in footer and "<i>" not in footer
    assert '<a href="mailto:a@b.org">a@b.org</a>' in footer


def test_the_objection_section_states_the_publicity_period_and_where_to_send_it():
    publisher = Publisher(**ADOPTED_PUBLISHER, objection="https://form.example.org/yiyi")
    section = objection_section(publisher, TITLE, RECORD, {"start": "2025-03-03", "end": "2025-03-09"})
    assert section.startswith("## 对评估结果有异议")
    assert "公示期为 2025年3月3日 至 2025年3月9日，公示期内对评估结果有异议的" in section
    assert '<a href="https://form.example.org/yiyi">异议登记页面</a>' in section
    assert f"“{TITLE}”" in section and RECORD in section


def test_without_an_objection_address_the_section_falls_back_to_the_contact_and_omits_an_unstated_period():
    section = objection_section(Publisher(**ADOPTED_PUBLISHER), TITLE, RECORD, None)
    assert "公示期" not in section
    assert '请发送电子邮件至 <a href="mailto:pinggu@example.org?subject=' in section


@pytest.mark.slow
def test_build_refuses_placeholders_naming_each_mkdocs_yml_line_and_allows_a_preview(tmp_path, capsys):
    from site_harness import copy_seed_repo

    repo = copy_seed_repo(tmp_path / "repo", site=True)
    (repo / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")  # as the repository ships it
    lines = (repo / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    assert main(["--root", str(repo), "build"]) == 1
    err = capsys.readouterr().err
    assert not (repo / "site").exists()
    for key in ("name", "contact", "licence"):
        number = next(i for i, line in enumerate(lines, 1) if line.strip().startswith(f"{key}:") and PLACEHOLDER in line)
        column = lines[number - 1].index(":") + 3
        assert f"mkdocs.yml:{number}:{column}: 错误：extra.publisher.{key}" in err
    assert "^^^" in err and "示例：name: " in err and "--allow-placeholders" in err and "Traceback" not in err
    assert main(["--root", str(repo), "build", "--allow-placeholders"]) == 0
    assert "这是预览" in capsys.readouterr().err
    assert PLACEHOLDER in Path(repo / "site" / "index.html").read_text(encoding="utf-8")
