"""docai extract / ask / classify through the CLI: output, files, stdin, errors as one line + exit code."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from docai.cli import main
from schemas.donut import Answer, ExtractResult


@pytest.fixture
def receipt(tmp_path, make_pdf):
    path = tmp_path / "receipt.pdf"
    path.write_bytes(make_pdf([[((72, 100), "Coffee 3.00", 11)], [((72, 100), "Total 4.50", 11)]]))
    return path


def _run(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], **kw)


def test_extract_to_stdout(receipt, taught_donut_dir):
    result = _run("extract", receipt, "--model", taught_donut_dir, "--pages", "2")
    assert result.exit_code == 0, result.output
    parsed = ExtractResult.model_validate_json(result.stdout)
    assert [p.number for p in parsed.pages] == [2]
    assert parsed.pages[0].data["total"] == {"total_price": "4.50"}


def test_extract_to_file_and_from_stdin(receipt, taught_donut_dir, tmp_path):
    out = tmp_path / "out" / "receipt.json"
    result = _run("extract", "-", "-m", taught_donut_dir, "-t", "rvlcdip", "-o", out, input=receipt.read_bytes())
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    data = json.loads(out.read_text())
    assert data["task"] == "rvlcdip" and [p["data"] for p in data["pages"]] == [{"class": "invoice"}] * 2


def test_ask_prints_answer_page_and_confidence(receipt, taught_donut_dir):
    result = _run("ask", receipt, "What is the total?", "--model", taught_donut_dir)
    assert result.exit_code == 0, result.output
    answer, where = result.stdout.splitlines()
    assert answer == "4.50"
    assert re.fullmatch(r"\(page [12], confidence (0\.9\d\d|1\.000)\)", where), where


def test_ask_json(receipt, taught_donut_dir):
    result = _run("ask", receipt, "What is the total?", "--model", taught_donut_dir, "--json", "-p", "1")
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert answer.answer == "4.50" and answer.page == 1 and len(answer.candidates) == 1


def test_classify(receipt, taught_donut_dir):
    result = _run("classify", receipt, "--model", taught_donut_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "invoice"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["extract", "{pdf}", "--model", "{missing}"], 9, "no-such-model"),
    (["extract", "{pdf}", "--model", "{model}", "--task", "zhtrainticket"], 9, "its task tokens are: cord-v2"),
    (["extract", "{pdf}", "--model", "{model}", "--task", "docvqa"], 12, "needs a question"),
    (["ask", "{pdf}", "<s_answer>", "--model", "{model}"], 12, "may not contain Donut tags"),
    (["ask", "{notpdf}", "why?", "--model", "{model}"], 3, "not a PDF"),
    (["classify", "{pdf}", "--model", "{model}", "--pages", "9"], 7, "page"),
    (["extract", "{pdf}", "--model", "{model}", "--device", "tpu"], 12, "device"),
])
def test_errors_are_one_line_with_their_exit_code(args, code, message, receipt, taught_donut_dir, tmp_path):
    notpdf = tmp_path / "notes.txt"
    notpdf.write_text("hello")
    values = {"pdf": receipt, "model": taught_donut_dir, "missing": tmp_path / "no-such-model", "notpdf": notpdf}
    result = _run(*(a.format(**values) for a in args))
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("docai: error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_extract_warns_about_failed_pages(receipt, taught_donut_dir):
    result = _run("extract", receipt, "--model", taught_donut_dir, "--dpi", "600", "--max-image-pixels", "1000")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("docai: warning: page") == 2
    assert all(p.errors for p in ExtractResult.model_validate_json(result.stdout).pages)


def test_ask_queue_submits_instead_of_running(receipt, monkeypatch):
    import docai.cli.queue as queue_cli

    calls = []

    def fake_submit(path, question, options):
        calls.append((path, question, options.model, options.pages, options.password))
        return "job-123"

    monkeypatch.setattr(queue_cli, "submit_question", fake_submit)
    result = _run("ask", receipt, "What is the total?", "-m", "owner/donut-docvqa", "--queue", "-p", "2",
                  "--password", "pw")
    assert result.exit_code == 0, result.output
    assert result.stdout == "job-123\n"
    assert calls == [(str(receipt), "What is the total?", "owner/donut-docvqa", "2", "pw")]


def test_ask_queue_refuses_what_only_an_in_process_run_may_set(receipt):
    result = _run("ask", receipt, "What is the total?", "-m", "owner/donut-docvqa", "--queue", "--device", "cuda")
    assert result.exit_code == 12, result.output
    assert result.stderr.strip() == ("docai: error: device cannot be set for a queued job: the workers choose it "
                                     "(a queued job takes batch_size, dpi, max_length, model, pages, password, task)")


def test_out_of_range_flags_are_usage_errors_from_the_options_bounds(receipt):
    result = _run("extract", receipt, "-m", "x", "--dpi", "0")
    assert result.exit_code == 2 and "--dpi" in result.output and "1<=x<=600" in result.output
