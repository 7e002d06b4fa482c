"""``docai dev tiny-model blip|blip-vqa|blip-itm DIR`` is served by the plugin's kinds hook."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from docai.cli import main
from docai.errors import ConfigError
from docai.models import load_model
from docai_blip.tiny import write_tiny_blip


@pytest.mark.parametrize(("kind", "architecture"), [("blip", "BlipForConditionalGeneration"),
                                                    ("blip-vqa", "BlipForQuestionAnswering")])
def test_dev_tiny_model_writes_a_loadable_checkpoint(tmp_path, kind, architecture):
    out = tmp_path / kind
    result = CliRunner().invoke(main, ["dev", "tiny-model", kind, str(out), "--image-size", "64", "64"])
    assert result.exit_code == 0, result.output
    loaded = load_model(out, kind=kind)
    assert type(loaded.model).__name__ == architecture
    assert loaded.config.vision_config.image_size == 64


def test_a_non_square_image_size_is_refused_in_one_line(tmp_path):
    result = CliRunner().invoke(main, ["dev", "tiny-model", "blip", str(tmp_path / "x"), "--image-size", "64", "32"])
    assert result.exit_code == ConfigError.exit_code
    assert "square" in result.output and len(result.output.strip().splitlines()) == 1


def test_the_same_seed_writes_the_same_weights(tmp_path):
    first = write_tiny_blip(tmp_path / "a", task="itm", seed=3)
    second = write_tiny_blip(tmp_path / "b", task="itm", seed=3)
    assert (first / "model.safetensors").read_bytes() == (second / "model.safetensors").read_bytes()
    with pytest.raises(ConfigError, match="unknown BLIP task"):
        write_tiny_blip(tmp_path / "c", task="chat")
    with pytest.raises(ConfigError, match="multiple of the patch size"):
        write_tiny_blip(tmp_path / "d", image_size=36)
