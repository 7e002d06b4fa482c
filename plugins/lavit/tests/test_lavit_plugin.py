"""The ``lavit`` family through docai's plugin platform: hooks, conformance, `docai generate`, dev commands."""

from __future__ import annotations

import base64

import pytest
from click.testing import CliRunner

from docai.cli import main
from docai.plugins.models import create_model
from docai.plugins.testing import check_conformance
from schemas.plugins import GenerateImageRequest


@pytest.fixture(scope="module")
def lavit_family(tiny_lavit):
    return create_model(f"lavit:{tiny_lavit}", {"device": "cpu", "dtype": "fp32"})


def test_the_family_passes_the_conformance_suite(lavit_family):
    report = check_conformance(lavit_family)
    assert any(name.startswith("generate_image") for name in report.passed)


def test_an_input_image_and_the_seed_go_through_the_capability(lavit_family, tmp_path):
    from PIL import Image

    picture = tmp_path / "in.png"
    Image.new("RGB", (20, 30), (10, 120, 200)).save(picture)
    request = GenerateImageRequest(prompts=["bluer"], seed=5, steps=2)
    first = lavit_family.generate_image([picture], request)
    again = lavit_family.generate_image([picture], request)
    assert first[0].seed == 5 and first[0].png_base64 == again[0].png_base64
    assert base64.b64decode(first[0].png_base64).startswith(b"\x89PNG")


def test_docai_generate_writes_the_same_png_for_the_same_seed(tiny_lavit, tmp_path):
    runner = CliRunner()
    args = ["generate", "a red boat", "--model", f"lavit:{tiny_lavit}", "--steps", "2", "--seed", "4"]
    one = runner.invoke(main, [*args, "-o", str(tmp_path / "a.png")])
    two = runner.invoke(main, [*args, "-o", str(tmp_path / "b.png")])
    assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    bad = runner.invoke(main, [*args, "-o", str(tmp_path / "c.png"), "--width", "30"])
    assert bad.exit_code == 2 and "multiples of 4" in bad.output


def test_dev_commands_write_and_convert_lavit_checkpoints(tmp_path):
    from docai_lavit.tiny import write_official_layout

    runner = CliRunner()
    official = write_official_layout(tmp_path / "official")
    converted = runner.invoke(main, ["dev", "convert-checkpoint", "lavit", str(official), str(tmp_path / "out")])
    assert converted.exit_code == 0, converted.output
    assert (tmp_path / "out" / "lavit_config.json").is_file()
    again = runner.invoke(main, ["dev", "convert-checkpoint", "lavit", str(official), str(tmp_path / "out")])
    assert again.exit_code == 2 and "not empty" in again.output
    unknown = runner.invoke(main, ["dev", "convert-checkpoint", "nougat", str(official), str(tmp_path / "x")])
    assert unknown.exit_code != 0 and "no checkpoint converter" in unknown.output
