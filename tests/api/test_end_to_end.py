"""Through the whole service: HTTP upload → Redis → a real ``celery worker`` → HTTP result, equal to
``docai.convert`` in-process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import docai
from docai.api import create_app
from docai.client import DocaiClient
from docai.settings import Settings
from schemas.document import Document

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def worker_settings(redis_url, tmp_path_factory) -> Iterator[Settings]:
    """A celery worker (both queues, one process) on the session Redis, sharing its storage with the API."""
    tmp = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "DOCAI_BROKER_URL": redis_url, "DOCAI_STORAGE_DIR": str(tmp / "storage"),
           "DOCAI_PAGES_PER_TASK": "2", "PYTHONPATH": str(REPO),
           "DOCAI_DEVICE": "cpu", "DOCAI_CPU_PROBE": "off"}  # plugin models as in-process under plain_cpu_env
    env.pop("DOCAI_DTYPE", None)
    env.pop("DOCAI_TEST_FAULTS", None)
    log = tmp / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", "cpu,gpu", "-c", "1",
             "-P", "solo", "-n", f"api-e2e-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-l", "info"],
            env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while b" ready." not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"celery worker did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield Settings.from_env(env)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def comparable(document: Document) -> dict:
    """A Document without what differs between runs (timings, cache flags)."""
    data = document.model_dump(mode="json", exclude={"timings"})
    for page in data["pages"]:
        page.pop("timings")
        page.pop("cached")
    return data


def test_http_submit_poll_result_equals_in_process(worker_settings, sample_pdf):
    data = sample_pdf.read_bytes()
    with TestClient(create_app(worker_settings)) as api:
        submitted = api.post("/v1/jobs", files={"file": ("sample.pdf", data)}, data={"pages": "1-2"})
        assert submitted.status_code == 202, submitted.text
        location = submitted.headers["location"]
        deadline = time.monotonic() + 60
        while (status := api.get(location).json())["state"] not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        assert status["state"] == "succeeded", status
        assert status["pages_done"] == status["pages_total"] == 2
        result = Document.model_validate(api.get(f"{location}/result").json())
        markdown = api.get(f"{location}/result", params={"format": "md"}).text
    expected = docai.convert(data, pages="1-2")
    expected.source = "sample.pdf"
    assert comparable(result) == comparable(expected)
    assert markdown == expected.markdown


def test_client_convert_through_a_live_server(worker_settings, serve, simple_pdf):
    url = serve(create_app(worker_settings))
    with DocaiClient(url) as client:
        progress: list[tuple[int, int]] = []
        job = client.submit(simple_pdf, filename="simple.pdf", engine="text")
        client.wait(job.job_id, poll=0.1, timeout=60, progress=lambda done, total: progress.append((done, total)))
        document = client.result(job.job_id)
    assert progress[-1] == (3, 3)
    expected = docai.convert(simple_pdf, engine="text")
    expected.source = "simple.pdf"
    assert comparable(document) == comparable(expected)


ASK_MODEL = "tests/tiny-donut"


def test_ask_through_the_api(worker_settings, simple_pdf):
    """A question about a document, answered by a tiny random Donut checkpoint in the workers' model dir."""
    from click.testing import CliRunner

    from docai.cli import main

    model_dir = worker_settings.storage_dir / "models" / ASK_MODEL
    made = CliRunner().invoke(main, ["dev", "tiny-model", "donut", str(model_dir), "--image-size", "320", "320",
                                     "--max-length", "32"])
    assert made.exit_code == 0, made.output
    with TestClient(create_app(worker_settings)) as api:
        submitted = api.post("/v1/ask", files={"file": ("simple.pdf", simple_pdf)},
                             data={"question": "Which page is this?", "model": ASK_MODEL, "pages": "2"})
        assert submitted.status_code == 202, submitted.text
        location = submitted.headers["location"]
        deadline = time.monotonic() + 60
        while (status := api.get(location).json())["state"] not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        assert status["state"] == "succeeded", f"{status['error_code']}: {status['error']}"
        answer = api.get(f"{location}/result").json()
    assert answer["question"] == "Which page is this?" and answer["page"] == 2
    assert answer["model"] == ASK_MODEL and 0 <= answer["confidence"] <= 1


DESCRIBER = "tests/tiny-blip"


@pytest.fixture(scope="module")
def describer(worker_settings) -> str:
    """``blip:tests/tiny-blip``: a tiny random BLIP captioner in the workers' model directory."""
    pytest.importorskip("docai_blip")
    from click.testing import CliRunner

    from docai.cli import main

    made = CliRunner().invoke(main, ["dev", "tiny-model", "blip", str(worker_settings.storage_dir / "models" / DESCRIBER)])
    assert made.exit_code == 0, made.output
    return f"blip:{DESCRIBER}"


def described_in_process(worker_settings, monkeypatch) -> list[str]:
    """The figure captions ``docai.convert`` gives with the same checkpoint, in this process."""
    from docai.plugins.testing import plain_cpu_env
    from tests.test_describe import figure_texts, figures_pdf

    plain_cpu_env(monkeypatch)
    checkpoint = worker_settings.storage_dir / "models" / DESCRIBER
    return figure_texts(docai.convert(figures_pdf(), describe_figures=f"blip:{checkpoint}", use_cache=False))


def test_describe_figures_over_http(worker_settings, describer, monkeypatch):
    """``describe_figures`` is a form field of POST /v1/jobs; the workers caption the figures with BLIP."""
    from tests.test_describe import figure_texts, figures_pdf

    with TestClient(create_app(worker_settings)) as api:
        submitted = api.post("/v1/jobs", files={"file": ("figures.pdf", figures_pdf())},
                             data={"describe_figures": describer})
        assert submitted.status_code == 202, submitted.text
        location = submitted.headers["location"]
        deadline = time.monotonic() + 120
        while (status := api.get(location).json())["state"] not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert status["state"] == "succeeded", f"{status['error_code']}: {status['error']}"
        result = Document.model_validate(api.get(f"{location}/result").json())
        refused = api.post("/v1/jobs", files={"file": ("figures.pdf", figures_pdf())},
                           data={"describe_figures": "blip:/srv/models/blip"})
    texts = figure_texts(result)
    assert len(texts) == 2 and all(texts) and f"<!-- image: {texts[0]} -->" in result.markdown
    assert result.options["describe_figures"] == describer
    assert texts == described_in_process(worker_settings, monkeypatch)
    assert refused.status_code == 422 and "not a model name" in refused.json()["message"]


def test_describe_figures_through_the_client(worker_settings, describer, serve):
    from tests.test_describe import figure_texts, figures_pdf

    url = serve(create_app(worker_settings))
    with DocaiClient(url) as client:
        document = client.convert(figures_pdf(), filename="figures.pdf", describe_figures=describer, poll=0.2,
                                  timeout=120)
        markdown = client.convert(figures_pdf(), filename="figures.pdf", describe_figures=describer, poll=0.2,
                                  timeout=120, format="md")
    texts = figure_texts(document)
    assert len(texts) == 2 and all(texts)
    assert [line for line in markdown.splitlines() if line.startswith("<!-- image: ")] == [
        f"<!-- image: {text} -->" for text in texts]
