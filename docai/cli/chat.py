"""``docai chat IMAGE... --model FAMILY:CHECKPOINT``: talk with a chat-capable plugin model about images.

On a terminal it is a small REPL (the conversation is kept in this process and sent whole with every turn,
as over HTTP: no server-side session); ``-m "message"`` asks once and prints the reply; with neither a
terminal nor ``-m``, standard input is the one message. Every image is placed in the first user message.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

EXIT_WORDS = {"/exit", "/quit", "exit", "quit"}


def new_conversation(system: str | None) -> list[dict]:
    """The messages a conversation starts with (the system text, when given)."""
    return [{"role": "system", "content": system}] if system else []


def ask(model, images: list, messages: list[dict], text: str, generation: dict) -> str:
    """Append the user's ``text`` (with every image on the first user turn), get and append the reply."""
    first = not any(m["role"] == "user" for m in messages)
    messages.append({"role": "user", "content": text, "images": list(range(len(images))) if first else []})
    (reply,) = model.chat(images, {"messages": messages, "generation": generation})
    messages.append({"role": "assistant", "content": reply.text})
    return reply.text


def repl(model, images: list, system: str | None, generation: dict, *,
         read: Callable[[str], str] = input, write: Callable[[str], None] = click.echo) -> int:
    """Read messages until EOF or ``/exit``; ``/reset`` starts over. Returns the number of replies."""
    messages = new_conversation(system)
    replies = 0
    while True:
        try:
            text = read("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return replies
        if text in EXIT_WORDS:
            return replies
        if text == "/reset":
            messages = new_conversation(system)
            write("(new conversation)")
            continue
        if text:
            write(f"model> {ask(model, images, messages, text, generation)}")
            replies += 1


@click.command("chat")
@click.argument("images", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--model", "model_id", required=True, metavar="FAMILY:CHECKPOINT",
              help="a model with the chat capability, e.g. llava:./tiny-llava")
@click.option("-m", "--message", default=None, help="ask once, print the reply and exit (no REPL)")
@click.option("--system", default=None, help="system text the conversation starts with")
@click.option("--max-new-tokens", type=click.IntRange(1, 4096), default=256, show_default=True)
@click.option("--temperature", type=click.FloatRange(0, 5), default=0.0, show_default=True,
              help="0: greedy; above 0: seeded sampling")
@click.option("--top-p", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True)
@click.option("--seed", type=int, default=None, help="seed of the sampling (repeatable replies)")
@click.option("--device", default=None, help="cpu, cuda, cuda:N, mps or auto ($DOCAI_DEVICE)")
@click.option("--dtype", default=None, help="fp32, bf16, fp16 or auto ($DOCAI_DTYPE)")
def chat_cmd(images: tuple[str, ...], model_id: str, message: str | None, system: str | None, max_new_tokens: int,
             temperature: float, top_p: float, seed: int | None, device: str | None, dtype: str | None) -> None:
    """Chat with MODEL about IMAGE... (a REPL on a terminal; one-shot with -m)."""
    from docai.plugins import get_model

    options = {key: value for key, value in (("device", device), ("dtype", dtype)) if value}
    model = get_model(model_id, options or None, capability="chat")
    generation = {"max_new_tokens": max_new_tokens, "temperature": temperature, "top_p": top_p, "seed": seed}
    paths = list(images)
    if message is None and sys.stdin.isatty():
        repl(model, paths, system, generation)
        return
    text = message if message is not None else sys.stdin.read().strip()
    if not text:
        from docai.errors import InputError

        raise InputError("no message: give -m TEXT or write it on standard input")
    click.echo(ask(model, paths, new_conversation(system), text, generation))
