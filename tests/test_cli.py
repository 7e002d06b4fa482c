"""The CLI: one input to stdout, many to a directory, clear errors with distinct exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from docai.cli import main


def test_convert_sample_to_stdout(sample_pdf):
    result = CliRunner().invoke(main, ["convert", str(sample_pdf)])
    assert result.exit_code == 0, result.output
    assert "Quarterly Field Report" in result.output


def test_convert_json(sample_pdf):
    result = CliRunner().invoke(main, ["convert", str(sample_pdf), "--format", "json", "--pages", "2"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [p["number"] for p in data["pages"]] == [2]


def test_many_inputs_to_dir_skip_done(tmp_path, sample_pdf, simple_pdf):
    other = tmp_path / "simple.pdf"
    other.write_bytes(simple_pdf)
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["convert", str(sample_pdf), str(other), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["sample.md", "simple.md"]
    result = runner.invoke(main, ["convert", str(sample_pdf), str(other), "-o", str(out)])
    assert result.output.count("skipped") == 2


def test_bad_input_one_line_and_exit_code(tmp_path, sample_pdf):
    bad = tmp_path / "notes.pdf"
    bad.write_text("not a pdf at all")
    proc = subprocess.run([sys.executable, "-m", "docai", "convert", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 3
    assert proc.stderr.strip().count("\n") == 0 and "not a PDF" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_input_does_not_lose_other_work(tmp_path, sample_pdf):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["convert", str(bad), str(sample_pdf), "-o", str(out), "-q"])
    assert result.exit_code != 0
    assert (out / "sample.md").exists()


def test_page_out_of_range_exit_code(sample_pdf):
    result = CliRunner().invoke(main, ["convert", str(sample_pdf), "--pages", "9"])
    assert result.exit_code == 7
    assert "out of range" in result.output


def test_missing_optional_dependency_is_one_line(monkeypatch, tmp_path):
    import sys as _sys

    monkeypatch.setitem(_sys.modules, "tokenizers", None)  # as if docai[models] were not installed
    result = CliRunner().invoke(main, ["dev", "tiny-model", "nougat", str(tmp_path / "m")])
    assert result.exit_code == 13
    assert "pip install 'docai[models]'" in result.output and "Traceback" not in result.output


def test_dependency_error_only_for_optional_modules():
    from docai.errors import DependencyError, dependency_error

    assert isinstance(dependency_error(ModuleNotFoundError(name="celery.app")), DependencyError)
    assert dependency_error(ModuleNotFoundError(name="docai.nope")) is None


def test_keep_furniture_flag_puts_page_numbers_back(tmp_path, make_pdf):
    pdf = tmp_path / "one.pdf"
    pdf.write_bytes(make_pdf([[((72, 300), "The body of a one-page article.", 11), ((300, 800), "xiv", 9)]]))
    plain = CliRunner().invoke(main, ["convert", str(pdf), "--no-cache"])
    kept = CliRunner().invoke(main, ["convert", str(pdf), "--no-cache", "--keep-furniture"])
    assert plain.exit_code == 0 and kept.exit_code == 0, plain.output + kept.output
    assert "xiv" not in plain.output and "xiv" in kept.output


def test_serve_without_the_service_extra_names_it_and_exits_13(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 13, result.output
    assert "pip install 'docai[service]'" in result.output and "Traceback" not in result.output
