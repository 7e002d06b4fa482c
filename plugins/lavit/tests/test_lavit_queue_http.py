"""LaVIT image + text → image end to end on a real cluster (Redis, a gpu worker, the API server): the input
image is uploaded, stored by reference and conditions the drawing on the worker; the PNG that comes back is
the one drawn in-process with the same seed."""

from __future__ import annotations

import io
import json
import time

import httpx
import pytest
from PIL import Image

from docai.client import DocaiClient
from docai.plugins.generated import png_bytes
from docai.plugins.models import create_model
from schemas.plugins import GenerateImageRequest

MODEL = "lavit:tiny-lavit"
REQUEST = {"prompts": ["bluer"], "seed": 5, "steps": 2}


@pytest.fixture(scope="module")
def served(tiny_lavit, tmp_path_factory):
    from tests.support.cluster import model_cluster

    with model_cluster(tmp_path_factory.mktemp("lavit-cluster"), {"tiny-lavit": tiny_lavit}) as served:
        yield served


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    path = tmp_path_factory.mktemp("lavit-input") / "in.png"
    Image.new("RGB", (20, 30), (10, 120, 200)).save(path)
    return path


@pytest.fixture(scope="module")
def drawn(tiny_lavit, picture):
    """REQUEST drawn in this process from ``picture``: the PNG (which the picture changes)."""
    model = create_model(f"lavit:{tiny_lavit}", {"device": "cpu", "dtype": "fp32"})
    request = GenerateImageRequest(**REQUEST)
    drawn = png_bytes(model.generate_image([picture], request)[0])
    assert drawn != png_bytes(model.generate_image([], request)[0])
    return drawn


def test_over_http_an_uploaded_image_conditions_the_drawing(served, picture, drawn):
    _, url = served
    with httpx.Client(base_url=url, timeout=30) as http:
        accepted = http.post("/v1/plugin-jobs", files=[("file", ("in.png", picture.read_bytes()))],
                             data={"model": MODEL, "capability": "generate_image", "request": json.dumps(REQUEST)})
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job_id"]
        deadline = time.monotonic() + 60
        while http.get(f"/v1/jobs/{job_id}").json()["state"] not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, "the job did not finish"
            time.sleep(0.2)
        image = http.get(f"/v1/jobs/{job_id}/images/0")
        result = http.get(f"/v1/jobs/{job_id}/result").json()
    assert image.status_code == 200, image.text
    assert image.headers["content-type"] == "image/png" and image.content == drawn
    output = result["answers"][0]["output"]
    assert Image.open(io.BytesIO(image.content)).size == (output["width"], output["height"])
    assert result["model"] == MODEL and result["answers"][0]["text"] == "bluer"


def test_the_python_client_uploads_the_image_and_saves_the_png(served, picture, drawn, tmp_path):
    _, url = served
    with DocaiClient(url) as client:
        (path,) = client.generate(REQUEST["prompts"], MODEL, tmp_path / "out.png", image=picture, seed=5, steps=2,
                                  timeout=60)
    assert path == tmp_path / "out.png" and path.read_bytes() == drawn
