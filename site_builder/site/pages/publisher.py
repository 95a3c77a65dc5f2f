"""Who publishes the site, how to reach them, the open data's licence and how to object to a result: read from
mkdocs.yml (extra.publisher), shown in every page's footer, on the home page, on the data page and on every report.

The defaults are honest placeholders (PLACEHOLDER in each): a site built before the publisher fills them in says so
on every page, and `site-builder build` refuses to publish it (site/publish.py, docs/ci.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from urllib.parse import quote

from ..provenance import BUILD_DATE_MARKER
from .slugs import slugify
from .text import chinese_date, escaped, inline

PLACEHOLDER = "（请在 mkdocs.yml 中填写）"
OBJECTION_HEADING = "对评估结果有异议"
OBJECTION_ANCHOR = slugify(OBJECTION_HEADING, "-")
# In an objection address, the record's file and the report's title (percent-encoded), e.g. an issue-form link.
RECORD_SLOT, TITLE_SLOT = "{记录}", "{标题}"
EMAIL = re.compile(r"(?:mailto:)?([^@\s/:]+@[^@\s/]+\.[^@\s/]+)\Z")
WEB = re.compile(r"https?://[^\s<>\"']+\Z")


@dataclass(frozen=True)
class Publisher:
    """extra.publisher in mkdocs.yml; every field a reader sees is a placeholder until the publisher writes it."""

    name: str = f"示例发布单位{PLACEHOLDER}"
    contact: str = f"示例联系方式{PLACEHOLDER}"  # an e-mail address, a web address or a line of text (phone, address)
    licence: str = f"示例许可协议{PLACEHOLDER}"  # of the open data, e.g. 知识共享署名 4.0 国际许可协议（CC BY 4.0）
    licence_url: str = ""
    objection: str = ""  # an e-mail address or web address (a form, an issue link with {记录} and {标题}); default: contact

    @classmethod
    def from_extra(cls, extra) -> Publisher:
        """mkdocs.yml's extra mapping → the publisher; a missing or empty field keeps its placeholder default."""
        given = (extra or {}).get("publisher") or {}
        if not isinstance(given, dict):
            given = {}
        known = {field.name for field in fields(cls)}
        return cls(**{key: str(value).strip() for key, value in given.items() if key in known and value not in (None, "")})

    def placeholders(self) -> list[str]:
        """The fields (by mkdocs.yml key) still holding a placeholder."""
        return [field.name for field in fields(self) if PLACEHOLDER in getattr(self, field.name)]


# --- addresses -----------------------------------------------------------------------------------------------


def address_link(text: str, subject: str = "", record: str = "") -> str | None:
    """A mailto: or http(s) address for text, with the subject or record filled in; None for anything else (a phone
    number, a postal address), which is shown as text. No other scheme (javascript:, data:) ever becomes a link."""
    email = EMAIL.match(text)
    if email:
        query = f"?subject={quote(subject)}" + (f"&body={quote('记录：' + record)}" if record else "") if subject else ""
        return f"mailto:{email.group(1)}{query}"
    if WEB.match(text):
        return text.replace(RECORD_SLOT, quote(record, safe="")).replace(TITLE_SLOT, quote(subject, safe=""))
    return None


def linked(text: str, subject: str = "", record: str = "", label: str | None = None) -> str:
    """Raw HTML: text as a link where it is an address, else as escaped text."""
    target = address_link(text, subject, record)
    shown = escaped(label if label is not None else EMAIL.sub(r"\1", text))
    # Percent-encoded as text.href does, keeping the @ of an e-mail address; then escaped for the attribute.
    return f'<a href="{escaped(quote(target, safe=":/#?=&%~+-._@"))}">{shown}</a>' if target else shown


def licence_html(publisher: Publisher) -> str:
    return linked(publisher.licence_url, label=publisher.licence) if publisher.licence_url else escaped(publisher.licence)


# --- what pages show -------------------------------------------------------------------------------------------


def footer_html(publisher: Publisher, extra_notice: str = "") -> str:
    """Every page's footer: publisher, contact, the open data's licence, the build date (BUILD_DATE_MARKER)."""
    lines = [
        f"发布单位：{escaped(publisher.name)}",
        f"联系方式：{linked(publisher.contact)}",
        f"开放数据许可：{licence_html(publisher)}",
        f"更新日期：{BUILD_DATE_MARKER}",
    ]
    notice = f'<p class="site-notice">{escaped(extra_notice)}</p>' if extra_notice else ""
    return notice + '<p class="site-publisher">' + "<span> · </span>".join(f"<span>{line}</span>" for line in lines) + "</p>"


def home_section(publisher: Publisher) -> str:
    """The home page's 关于本网站: who publishes it, how to reach them, the data's licence, when it was updated."""
    rows = [
        ("发布单位", escaped(publisher.name)),
        ("联系方式", linked(publisher.contact)),
        ("开放数据许可", licence_html(publisher)),
        ("更新日期", BUILD_DATE_MARKER),
    ]
    items = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    return f'## 关于本网站\n\n<dl class="site-about">{items}</dl>\n\n对评估结果有异议时，请按各报告页末尾“{OBJECTION_HEADING}”一节的方式提出。'


def licence_note(publisher: Publisher) -> str:
    """The data page's licence line (Markdown)."""
    return f"**许可**：本页全部数据文件由{inline(publisher.name)}按 {licence_html(publisher)} 发布，再利用时请注明来源。"


def objection_section(publisher: Publisher, title: str, record_path: str, publicity: dict | None) -> str:
    """A report's 对评估结果有异议: the 公示期 when the record states it, and where to send an objection."""
    channel = publisher.objection or publisher.contact
    subject = f"{OBJECTION_HEADING}：{title}"
    target = address_link(channel, subject, record_path)
    if target and target.startswith("mailto:"):
        how = f"请发送电子邮件至 {linked(channel, subject, record_path)}，"
    elif target:
        how = f"请通过 {linked(channel, subject, record_path, label='异议登记页面')}（{escaped(channel.split('?')[0])}）提出，"
    else:
        how = f"请联系{escaped(publisher.name)}（{escaped(channel)}），"
    period = (
        f"本评估结果的公示期为 {chinese_date(str(publicity['start']))} 至 {chinese_date(str(publicity['end']))}，公示期内对评估结果有异议的，"
        if publicity
        else "对评估结果有异议的，"
    )
    return (
        f"## {OBJECTION_HEADING}\n\n"
        f"<p>{period}{how}写明报告名称“{escaped(title)}”、记录编号 <code>{escaped(record_path)}</code> 与异议的理由和依据。</p>\n\n"
        f"<p>发布单位：{escaped(publisher.name)}；联系方式：{linked(publisher.contact)}。</p>"
    )
