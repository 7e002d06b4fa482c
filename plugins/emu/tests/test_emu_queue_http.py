"""Emu3 drawing end to end on a real cluster: Redis, a celery worker on the ``gpu`` queue and the API server,
each its own process. The model is a tiny checkpoint in the storage's ``models/`` directory, named over HTTP;
every PNG that comes back must be the one drawn in-process with the same seed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from docai.client import DocaiClient
from docai.plugins.generated import png_bytes
from docai.plugins.models import create_model
from schemas.plugins import GenerateImageRequest

MODEL = "emu:tiny-emu"
REQUEST = {"prompts": ["a red boat"], "width": 24, "height": 16, "seed": 11}


@pytest.fixture(scope="module")
def served(tiny_emu, tmp_path_factory):
    """A cluster whose storage holds the tiny checkpoint as ``models/tiny-emu``: its gpu worker and API server
    (one torch thread, like the in-process reference, so their floats round alike)."""
    from tests.support.cluster import model_cluster

    with model_cluster(tmp_path_factory.mktemp("emu-cluster"), {"tiny-emu": tiny_emu}) as served:
        yield served


@pytest.fixture(scope="module")
def drawn(tiny_emu):
    """The PNG of ``prompt`` drawn in this process with ``seed``, at REQUEST's size."""
    model = create_model(f"emu:{tiny_emu}", {"device": "cpu", "dtype": "fp32"})
    cache: dict[tuple[str, int], bytes] = {}

    def draw(prompt: str, seed: int) -> bytes:
        if (prompt, seed) not in cache:
            request = GenerateImageRequest(**{**REQUEST, "prompts": [prompt], "seed": seed})
            cache[prompt, seed] = png_bytes(model.generate_image([], request)[0])
        return cache[prompt, seed]

    return draw


def submit(http: httpx.Client, model: str, request: dict, options: dict | None = None) -> httpx.Response:
    data = {"model": model, "capability": "generate_image", "request": json.dumps(request)}
    if options is not None:
        data["options"] = json.dumps(options)
    return http.post("/v1/plugin-jobs", data=data)


def finished(http: httpx.Client, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = http.get(f"/v1/jobs/{job_id}").json()
        if status["state"] in ("succeeded", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def in_redis(redis, needle: bytes) -> bool:
    """Whether any string, hash, list or set value in ``redis`` contains ``needle``."""
    for key in redis.scan_iter():
        kind = redis.type(key)
        values = {b"string": lambda k: [redis.get(k)], b"hash": lambda k: redis.hvals(k),
                  b"list": lambda k: redis.lrange(k, 0, -1), b"set": lambda k: redis.smembers(k),
                  b"zset": lambda k: redis.zrange(k, 0, -1)}.get(kind, lambda k: [])(key)
        if any(needle in (value or b"") for value in values):
            return True
    return False


def one_line_error(response: httpx.Response, status: int, code: str, needle: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code and needle in body["message"] and "\n" not in body["message"], body


def test_over_http_the_job_stores_the_png_and_serves_it_as_image_png(served, drawn):
    cluster, url = served
    with httpx.Client(base_url=url, timeout=30) as http:
        accepted = submit(http, MODEL, REQUEST)
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job_id"]
        status = finished(http, job_id)
        assert status["state"] == "succeeded", status
        result = http.get(f"/v1/jobs/{job_id}/result").json()
        image = http.get(f"/v1/jobs/{job_id}/images/0")
        past_the_end = http.get(f"/v1/jobs/{job_id}/images/1")
    # the result names the model as submitted, never the worker's directory
    assert result["model"] == MODEL and result["capability"] == "generate_image"
    assert result["answers"][0]["output"]["seed"] == 11
    assert image.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (24, 16)
    assert image.content == drawn("a red boat", 11)
    one_line_error(past_the_end, 404, "not_found", "drew 1 image(s)")
    # the result travels by reference: Redis holds the job's state, the PNG lives in the job storage only
    assert not in_redis(cluster.redis.client(), result["answers"][0]["output"]["png_base64"][:64].encode())


def test_the_python_client_draws_and_saves_several_images(served, drawn, tmp_path):
    _, url = served
    with DocaiClient(url) as client:
        paths = client.generate(["a green field", "a red boat"], MODEL, tmp_path / "out.png", seed=10, width=24,
                                height=16, timeout=60)
    assert paths == [tmp_path / "out-1.png", tmp_path / "out-2.png"]
    # prompt i is drawn with seed + i: the second is the image drawn alone with seed 11
    assert paths[1].read_bytes() == drawn("a red boat", 11)
    assert paths[0].read_bytes() == drawn("a green field", 10)


def test_docai_generate_queue_writes_the_png(served, drawn, tmp_path):
    cluster, _ = served
    env = {**os.environ, **{k: v for k, v in cluster.env.items() if k.startswith("DOCAI_")}}

    def generate(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(Path(sys.executable).parent / "docai"), "generate", "a red boat", "--model", MODEL,
                               "--queue", "--height", "16", "--timeout", "60", *args],
                              capture_output=True, text=True, timeout=120, env=env)

    out = tmp_path / "boat.png"
    run = generate("--seed", "11", "--width", "24", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert len(run.stderr.split()) == 1  # the job id
    assert f"{out}  24x16  seed 11" in run.stdout
    assert out.read_bytes() == drawn("a red boat", 11)
    # the worker refuses a size the model cannot draw: the job fails, the command says why in one line
    failed = generate("--width", "20", "-o", str(tmp_path / "odd.png"))
    assert failed.returncode == 10 and "multiples of 8" in failed.stderr.splitlines()[-1], failed.stderr
    assert not (tmp_path / "odd.png").exists()
    refused = generate("--seed", "-1", "-o", str(tmp_path / "neg.png"))
    assert refused.returncode == 2 and "--seed" in refused.stderr


@pytest.mark.parametrize(("model", "request_", "status", "code", "needle"), [
    ("nosuch:x", REQUEST, 422, "model_error", "unknown model family 'nosuch'"),
    ("blip:tiny-emu", REQUEST, 422, "model_error", "generate_image"),
    ("emu:../models/tiny-emu", REQUEST, 422, "invalid_request", "not a model name"),
    (MODEL, {**REQUEST, "width": 8192}, 422, "invalid_request", "width"),
    (MODEL, {**REQUEST, "seed": -1}, 422, "invalid_request", "seed"),
    (MODEL, {**REQUEST, "prompts": []}, 422, "invalid_request", "prompts"),
])
def test_bad_requests_are_refused_at_submit_with_one_line(served, model, request_, status, code, needle):
    _, url = served
    with httpx.Client(base_url=url, timeout=30) as http:
        one_line_error(submit(http, model, request_), status, code, needle)


def test_what_only_the_worker_can_tell_fails_the_job_with_its_reason(served):
    _, url = served
    with httpx.Client(base_url=url, timeout=30) as http:
        odd_size = submit(http, MODEL, {**REQUEST, "width": 20}).json()["job_id"]
        missing = submit(http, "emu:owner/not-there", REQUEST).json()["job_id"]
        assert finished(http, odd_size)["state"] == "failed"
        assert finished(http, missing)["state"] == "failed"
        one_line_error(http.get(f"/v1/jobs/{odd_size}/images/0"), 422, "job_failed", "multiples of 8")
        one_line_error(http.get(f"/v1/jobs/{missing}/result"), 422, "job_failed", "owner/not-there")
