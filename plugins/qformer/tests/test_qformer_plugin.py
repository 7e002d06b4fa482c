"""The ``qformer`` family through the platform: conformance per architecture, wrong capabilities refused."""

from __future__ import annotations

import pytest
from PIL import Image

# these families load through the one loader's processor handling (docai.models.parts, issue 9)
pytest.importorskip("docai.models.parts", reason="needs the generalised loader of issue 9")

from docai.errors import ModelError
from docai.plugins.testing import check_conformance
from schemas.plugins import CaptionRequest, MatchRequest


def _model(qformer_dirs, variant):
    from docai.plugins.models import create_model

    return create_model(f"qformer:{qformer_dirs(variant)}", {"device": "cpu", "dtype": "fp32"})


@pytest.mark.parametrize(("variant", "capabilities"), [
    ("blip2-opt", ["caption", "vqa"]), ("blip2-t5", ["caption", "vqa"]), ("instructblip", ["caption", "vqa"]),
    ("blip2-itm", ["itm", "itc"])])
def test_conformance(variant, capabilities, qformer_dirs):
    check_conformance(_model(qformer_dirs, variant), capabilities=capabilities)


def test_each_checkpoint_refuses_what_its_architecture_cannot_do(qformer_dirs):
    image = [Image.new("RGB", (30, 30), "red")]
    with pytest.raises(ModelError, match="Blip2ForImageTextRetrieval"):
        _model(qformer_dirs, "blip2-opt").itm(image, MatchRequest(texts=["a"]))
    with pytest.raises(ModelError, match="captioning"):
        _model(qformer_dirs, "blip2-itm").caption(image, CaptionRequest())
