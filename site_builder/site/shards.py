"""`site-builder shard build | merge`: one site built as several shards (say, one per province) and merged.

Why: report and station pages are nearly all of a build's work, and each belongs to one district. So a national
site can render them as a matrix of CI jobs, each taking some districts (`shard build --districts …`), while
one more job builds everything that spans districts — home page, listings, rule pages, open data, search
index and sitemap, all cheap per report — and copies the shards' pages in (`shard merge`). The merged site is
the same, byte for byte, as one build of the whole repository (bench/shards.py shows it); docs/scale-out.md
gives the design. Districts keep each station's history and each district's ranking inside one shard.

Nothing is published unless every report and station page arrived from exactly one shard. Shards and the merged
site are published as `site-builder build` publishes (publish.py): under a lock, switched to in one step, and never
at a path that holds or lies in the repository's sources.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..errors import SiteBuilderError
from .publish import build_into, checked_output, publish

MANIFEST = "shard.json"


def add_command(commands) -> None:
    shard = commands.add_parser("shard", help="分片构建（如每省一片，在 CI 中并行）与合并")
    actions = shard.add_subparsers(required=True, metavar="操作")
    build = actions.add_parser("build", help="只渲染指定区的报告页与站点页，写入一个分片目录")
    build.add_argument("--districts", required=True, metavar="区编号列表", help="区编号，用逗号分隔，如 panyu,huangpu")
    build.add_argument("--out", required=True, type=Path, metavar="目录", help="分片目录（将被替换）")
    build.add_argument("--config", default="mkdocs.yml", metavar="文件", help="MkDocs 配置文件，默认 mkdocs.yml")
    build.set_defaults(command=run_shard_build)
    merge = actions.add_parser("merge", help="构建其余页面与搜索索引，并入各分片，全部齐全后替换发布目录")
    merge.add_argument("shards", nargs="+", type=Path, metavar="分片目录", help="各分片目录")
    merge.add_argument("--site-dir", default="site", metavar="目录", help="发布目录，默认 site")
    merge.add_argument("--config", default="mkdocs.yml", metavar="文件", help="MkDocs 配置文件，默认 mkdocs.yml")
    merge.set_defaults(command=run_shard_merge)


def run_shard_build(args) -> int:
    districts = sorted({d.strip() for d in args.districts.split(",") if d.strip()})
    config_file = Path(args.root) / args.config
    pages = publish(checked_output(config_file, args.out), lambda shard: build_shard(config_file, districts, shard))
    print(f"分片已生成：{args.out}（{len(districts)} 个区，{len(pages)} 个页面）")
    return 0


def build_shard(config_file: Path, districts: list[str], shard: Path) -> list[str]:
    """A whole build beside the shard (in the new version's own folder), of which the shard keeps its districts' pages."""
    scratch = shard.with_name("whole-build")
    config = build_into(config_file, scratch, districts=set(districts))
    plugin = config.plugins["site-builder"]
    pages = [plugin.bulk_files[i].dest_uri for i in plugin.bulk.indices_in(set(districts))]
    collect(scratch, pages, shard)
    (shard / MANIFEST).write_text(json.dumps({"districts": districts, "pages": pages}, ensure_ascii=False, indent=1), encoding="utf-8")
    shutil.rmtree(scratch)
    return pages


def collect(site: Path, pages: list[str], into: Path) -> Path:
    """Move the shard's pages (and what sits beside them, such as a report's JSON) out of a built site."""
    into.mkdir(exist_ok=True)
    for page in pages:
        folder = Path(page).parent
        target = into / folder
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(site / folder), str(target))
    return into


def run_shard_merge(args) -> int:
    config_file = Path(args.root) / args.config
    arrived = publish(checked_output(config_file, Path(args.root) / args.site_dir), lambda site: merge_into(config_file, args.shards, site))
    print(f"网站已合并：{args.site_dir}/index.html（{len(args.shards)} 个分片，{len(arrived)} 个页面）")
    return 0


def merge_into(config_file: Path, shards: list[Path], site: Path) -> set[str]:
    config = build_into(config_file, site, districts=set())
    expected = {file.dest_uri for file in config.plugins["site-builder"].bulk_files}
    arrived = merge_shards(shards, site)
    check_complete(expected, arrived)
    config.plugins["site-builder"].write_search_from_pages(site)  # the index as the shards' pages show them
    return arrived


def merge_shards(shards: list[Path], site: Path) -> set[str]:
    arrived: dict[str, Path] = {}
    for shard in shards:
        manifest = read_manifest(shard)
        for page in manifest["pages"]:
            if page in arrived:
                raise SiteBuilderError(None, f"页面 {page} 同时出现在分片 {arrived[page]} 与 {shard} 中：各分片的区不能重叠。")
            arrived[page] = shard
        for page in manifest["pages"]:
            folder = Path(page).parent
            shutil.copytree(shard / folder, site / folder, dirs_exist_ok=True)
    return set(arrived)


def read_manifest(shard: Path) -> dict:
    try:
        manifest = json.loads((shard / MANIFEST).read_text(encoding="utf-8"))
        pages = manifest["pages"]
    except (OSError, ValueError, KeyError, TypeError):
        raise SiteBuilderError(None, f"{shard} 不是分片目录（缺少或无法读取 {MANIFEST}），请先运行 site-builder shard build。") from None
    for page in pages:  # pages are copied by these paths: none may leave the shard or the site
        parts = Path(page).parts if isinstance(page, str) and page else ("..",)
        if Path(page).is_absolute() or ".." in parts or parts[0] not in ("reports", "stations"):
            raise SiteBuilderError(None, f"{shard}/{MANIFEST} 中的页面路径“{page}”无效。")
    return manifest


def check_complete(expected: set[str], arrived: set[str]) -> None:
    missing, unknown = sorted(expected - arrived), sorted(arrived - expected)
    if missing or unknown:
        lines = [f"缺少 {len(missing)} 个页面（是否漏了某个分片？）：" + "、".join(missing[:10])] if missing else []
        lines += [f"多出 {len(unknown)} 个不属于本仓库的页面：" + "、".join(unknown[:10])] if unknown else []
        raise SiteBuilderError(None, "分片不齐，网站未合并，已发布的网站保持不变。\n" + "\n".join(lines))
