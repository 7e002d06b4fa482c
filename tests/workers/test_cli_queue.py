"""``docai submit/status/result/worker`` against a real worker."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import docai
from docai.cli import main
from docai.cli.queue import worker_argv
from docai.settings import Settings


@pytest.fixture
def cli(shared_cluster, monkeypatch):
    for name, value in shared_cluster.env.items():
        if name.startswith("DOCAI_"):
            monkeypatch.setenv(name, value)
    return CliRunner()


def test_submit_wait_prints_the_same_markdown_as_convert(cli, sample_pdf):
    result = cli.invoke(main, ["submit", str(sample_pdf), "--wait", "--pages", "1"])
    assert result.exit_code == 0, result.output
    assert result.stdout == docai.convert(str(sample_pdf), pages="1").markdown


def test_submit_then_status_and_result(cli, simple_pdf, tmp_path):
    path = tmp_path / "three.pdf"
    path.write_bytes(simple_pdf)
    submitted = cli.invoke(main, ["submit", str(path)])
    assert submitted.exit_code == 0, submitted.output
    job_id = submitted.stdout.strip()
    assert len(job_id) == 32
    from docai.queue import jobs

    jobs.wait(job_id, timeout=30)
    status = cli.invoke(main, ["status", job_id])
    assert status.stdout.strip() == f"{job_id} succeeded 3/3 pages"
    as_json = json.loads(cli.invoke(main, ["status", job_id, "--json"]).stdout)
    assert as_json["state"] == "succeeded" and as_json["pages_total"] == 3
    out = tmp_path / "out.json"
    assert cli.invoke(main, ["result", job_id, "-o", str(out), "-f", "json"]).exit_code == 0
    assert json.loads(out.read_text())["source"] == str(path)
    markdown = cli.invoke(main, ["result", job_id]).stdout
    assert "This is page number 2" in markdown


def test_several_inputs_with_wait_write_a_directory(cli, simple_pdf, tmp_path):
    for name in ("a.pdf", "b.pdf"):
        (tmp_path / name).write_bytes(simple_pdf)
    result = cli.invoke(main, ["submit", str(tmp_path / "a.pdf"), str(tmp_path / "b.pdf"), "--wait", "-q",
                               "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.md", "b.md"]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["submit", "missing.pdf"], 2, "no such file"),
    (["submit", "{pdf}", "--pages", "9"], 7, "out of range"),
    (["submit", "{pdf}", "{pdf}", "--wait"], 12, "need -o DIR"),
    (["status", "nope"], 10, "not a job id"),
    (["result", "0" * 32], 10, "no job"),
])
def test_errors_are_one_line_with_exit_codes(cli, simple_pdf, tmp_path, args, code, message):
    (tmp_path / "in.pdf").write_bytes(simple_pdf)
    result = cli.invoke(main, [a.format(pdf=tmp_path / "in.pdf") for a in args])
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("docai: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_worker_command_line():
    settings = Settings(gpu_queue="gpu-a100")
    argv = worker_argv(settings, "cpu,gpu", 2, "info", "prefork", ("-n", "x@%h"))
    assert argv[1:6] == ["-m", "celery", "-A", "workers.app", "worker"]
    assert argv[argv.index("-Q") + 1] == "cpu,gpu-a100"
    assert argv[argv.index("-c") + 1] == "2" and argv[-2:] == ["-n", "x@%h"]
    assert "--without-mingle" in argv
