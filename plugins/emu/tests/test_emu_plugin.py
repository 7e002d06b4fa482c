"""The ``emu`` family through docai's plugin platform: hooks, conformance, chat, `docai generate`."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from docai.cli import main
from docai.errors import ModelError
from docai.plugins.models import create_model
from docai.plugins.testing import check_conformance, sample_images
from schemas.plugins import ChatMessage, ChatRequest, GenerateImageRequest, GenerationOptions


@pytest.fixture(scope="module")
def emu_family(tiny_emu):
    return create_model(f"emu:{tiny_emu}", {"device": "cpu", "dtype": "fp32"})


def test_the_family_passes_the_conformance_suite(emu_family):
    report = check_conformance(emu_family)
    assert {"chat: valid responses", "generate_image: batch equals one by one"} <= set(report.passed)


def test_chat_places_each_message_images(emu_family):
    images = sample_images(2)
    request = ChatRequest(messages=[ChatMessage(role="system", content="Be brief."),
                                    ChatMessage(role="user", content="Compare these.", images=[1, 0])],
                          generation=GenerationOptions(max_new_tokens=4))
    reply = emu_family.chat(images, request)
    assert len(reply) == 1 and isinstance(reply[0].text, str)


def test_an_input_image_is_refused_for_emu_generation(emu_family):
    with pytest.raises(ModelError, match="text only"):
        emu_family.generate_image(sample_images(1), GenerateImageRequest(prompts=["x"]))


def test_docai_generate_same_seed_same_png_and_several_prompts(tiny_emu, tmp_path):
    runner = CliRunner()
    args = ["generate", "a red boat", "--model", f"emu:{tiny_emu}", "--seed", "11", "--width", "24", "--height", "16"]
    one = runner.invoke(main, [*args, "-o", str(tmp_path / "a.png")])
    two = runner.invoke(main, [*args, "-o", str(tmp_path / "b.png")])
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    many = runner.invoke(main, ["generate", "a green field", "a red boat", "--model", f"emu:{tiny_emu}", "--seed",
                                "10", "--width", "24", "--height", "16", "-o", str(tmp_path / "m.png")])
    assert many.exit_code == 0, many.output
    # the second prompt is drawn with seed 11: the same image as alone with --seed 11
    assert (tmp_path / "m-2.png").read_bytes() == (tmp_path / "a.png").read_bytes()


def test_a_generate_job_on_the_queue_stores_the_same_png(tiny_emu, tmp_path):
    from docai.models.checkpoint import models_from
    from docai.queue import jobs
    from docai.queue.plugins import run_plugin_job, submit_plugin
    from schemas.plugins import PluginResult
    from tests.support.cluster import Cluster

    request = {"prompts": ["a red boat"], "width": 24, "height": 16, "seed": 11}
    cluster = Cluster(tmp_path)
    try:  # a queued job names a model the workers have, never a path
        shutil.copytree(tiny_emu, cluster.settings.models_dir / "tests" / "emu")
        status = submit_plugin([], "emu:tests/emu", "generate_image", request, {"device": "cpu", "dtype": "fp32"},
                               settings=cluster.settings)
        with models_from(cluster.settings.models_dir):  # what a worker does around each task
            assert run_plugin_job(jobs.services(cluster.settings), status.job_id)
        result = PluginResult.model_validate(jobs.get_result(status.job_id, settings=cluster.settings))
    finally:
        cluster.close()
    queued = result.answers[0].output
    alone = create_model(f"emu:{tiny_emu}", {"device": "cpu", "dtype": "fp32"}).generate_image(
        [], GenerateImageRequest(**request))[0]
    assert queued["png_base64"] == alone.png_base64 and queued["seed"] == 11
