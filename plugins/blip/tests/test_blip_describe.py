"""``docai convert --describe-figures blip:CHECKPOINT``: BLIP captions the figures of a PDF."""

from __future__ import annotations

import io

import numpy as np
import pymupdf
from click.testing import CliRunner
from PIL import Image

from docai.cli import main


def figures_pdf() -> bytes:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 80), "Two figures follow.", fontsize=11)
    for i in range(2):
        buf = io.BytesIO()
        Image.fromarray(np.random.default_rng(i).integers(0, 255, (80, 120, 3), dtype=np.uint8)).save(buf, "PNG")
        page.insert_image(pymupdf.Rect(72, 120 + 300 * i, 312, 280 + 300 * i), stream=buf.getvalue())
    data = doc.tobytes()
    doc.close()
    return data


def test_convert_describes_figures_with_a_blip_checkpoint(tiny_blip, tmp_path):
    pdf = tmp_path / "figures.pdf"
    pdf.write_bytes(figures_pdf())
    result = CliRunner().invoke(main, ["convert", str(pdf), "--describe-figures", f"blip:{tiny_blip['blip']}"])
    assert result.exit_code == 0, result.output
    described = [line for line in result.output.splitlines() if line.startswith("<!-- image: ")]
    assert len(described) == 2 and all(len(line) > len("<!-- image:  -->") for line in described)
    wrong = CliRunner().invoke(main, ["convert", str(pdf), "--describe-figures", f"blip-vqa:{tiny_blip['blip-vqa']}"])
    assert wrong.exit_code == 9 and "unknown model family 'blip-vqa'" in wrong.output
