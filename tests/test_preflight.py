"""make test's preflight (tests/preflight.py): what is missing, and the one command that installs it."""

from __future__ import annotations

import preflight


def test_preflight_passes_on_a_machine_with_everything(monkeypatch, capsys):
    monkeypatch.setattr(preflight, "missing", lambda: [])
    assert preflight.main() == 0
    assert capsys.readouterr().err == ""


def test_without_chromium_poppler_or_fonts_preflight_names_them_and_the_install_command(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(preflight, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(preflight.shutil, "which", lambda tool: None)  # no pdftoppm, no fc-list
    assert preflight.main() == 1
    err = capsys.readouterr().err
    assert f"Chromium（{tmp_path / 'no-chromium'}，浏览器测试）" in err
    assert "poppler-utils（pdftoppm 等，PDF 测试）" in err and "中文字体 Noto Sans CJK" in err
    assert "sudo apt-get install -y chromium fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0" in err


def test_the_install_command_is_the_one_ci_runs():
    ci = (preflight.Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert preflight.INSTALL.removeprefix("sudo ") in ci
