"""``docai retrieve TEXT IMAGE...``: the images that best match a text (added by docai-clip's hooks).

Imported when plugins are listed, so only click is imported at module level.
"""

from __future__ import annotations

import json

import click


@click.command("retrieve")
@click.argument("text")
@click.argument("images", nargs=-1, required=True, metavar="IMAGE...")
@click.option("--model", "model_id", default="clip", show_default=True,
              help="FAMILY:CHECKPOINT of a model with the itc capability, e.g. clip:./tiny-clip")
@click.option("--top-k", type=click.IntRange(min=1), default=None, help="print only the best K (default: all)")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="images per forward pass")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: 'rank score path' lines; json: one JSON object per line")
def retrieve_cmd(text: str, images: tuple[str, ...], model_id: str, top_k: int | None, batch_size: int | None,
                 fmt: str) -> None:
    """Rank IMAGE files by how well they match TEXT (cosine similarity of the model's embeddings)."""
    from docai.plugins import get_model
    from docai_clip.retrieval import best_matches

    options = {"batch_size": batch_size} if batch_size else {}
    model = get_model(model_id, options, capability="itc")
    for rank, hit in enumerate(best_matches(model, text, list(images), top_k=top_k), start=1):
        path = images[hit.index]
        if fmt == "json":
            click.echo(json.dumps({"rank": rank, "input": path, "score": round(hit.score, 6)}))
        else:
            click.echo(f"{rank}\t{hit.score:.4f}\t{path}")
