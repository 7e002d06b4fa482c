"""``docai chat``: the REPL keeps the conversation in the process and sends it whole; images on the first turn."""

from __future__ import annotations

from docai.cli.chat import ask, new_conversation, repl
from schemas.plugins import ChatReply, ChatRequest


class _Recorder:
    """A chat model that answers with the number of messages it was sent, and keeps every request."""

    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []

    def chat(self, images, request):
        self.requests.append(ChatRequest.model_validate(request))
        return [ChatReply(text=f"{len(request['messages'])} messages")]


def test_repl_sends_the_whole_conversation_and_resets():
    model, out = _Recorder(), []
    lines = iter(["What is it?", "", "And the colour?", "/reset", "Hello", "/exit", "never read"])
    replies = repl(model, ["a.png", "b.png"], "Be brief.", {"max_new_tokens": 4}, read=lambda _: next(lines),
                   write=out.append)
    assert replies == 3
    first, second, third = model.requests
    assert [m.role for m in second.messages] == ["system", "user", "assistant", "user"]
    assert second.messages[1].images == [0, 1] and second.messages[3].images == []
    assert [m.role for m in third.messages] == ["system", "user"] and third.messages[1].images == [0, 1]
    assert out == ["model> 2 messages", "model> 4 messages", "(new conversation)", "model> 2 messages"]


def test_repl_ends_on_end_of_input():
    def read(_):
        raise EOFError

    assert repl(_Recorder(), [], None, {}, read=read, write=lambda _: None) == 0


def test_one_shot_ask_places_images_on_the_first_user_message():
    model = _Recorder()
    messages = new_conversation(None)
    assert ask(model, ["x.png"], messages, "Hi", {}) == "1 messages"
    assert messages[0] == {"role": "user", "content": "Hi", "images": [0]}
    assert messages[1]["role"] == "assistant"
