"""A tiny OpenAI-compatible chat server for tests (127.0.0.1 only, no external calls).

`FakeOpenAI(mode)` serves POST /v1/chat/completions, streaming (server-sent events) or not, and
records the requests. Modes: "echo" answers with the first passage it was given, cited [1];
"hallucinate" adds an unsupported sentence; "error" answers 500; "slow" waits before answering;
"unsure" says it does not know; "truncated" streams the first words and
closes the connection without finishing the answer (a server dying mid-answer).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self, mode: str = "echo", delay_s: float = 5.0) -> None:
        self.mode = mode
        self.delay_s = delay_s
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                # The client may give up first (a time-out test); nothing to do then.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer()

            def _answer(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                if fake.mode == "error":
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "model crashed", "type": "server_error"}}')
                    return
                if fake.mode == "slow":
                    time.sleep(fake.delay_s)
                text = fake.reply(body)
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for i, piece in enumerate(re.findall(r"\S+\s*", text)):
                        if fake.mode == "truncated" and i == 3:
                            return  # HTTP/1.0: the connection closes, which reads as the end of the body
                        self.wfile.write(f"data: {json.dumps(_chunk(piece))}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(f"data: {json.dumps(_chunk('', 'stop'))}\n\ndata: [DONE]\n\n".encode())
                else:
                    payload = {"id": "x", "object": "chat.completion", "created": 0, "model": "fake",
                               "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                            "finish_reason": "stop"}],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                    data = json.dumps(payload).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reply(self, body: dict) -> str:
        user = next((m["content"] for m in reversed(body.get("messages", [])) if m["role"] == "user"), "")
        if "Follow-up question:" in user:  # a rewrite request
            return user.split("Follow-up question:")[1].split("\n")[0].strip()
        if self.mode == "unsure":
            return "I don't know."
        if self.mode == "guess":  # a phrase in the asked-for format, with a value no sentence holds
            return "Platform 1066 [1]"
        if self.mode == "none":  # the reader's "no phrase here"
            return "NONE"
        if self.mode == "repeat":  # a phrase copied from quote 1 that only repeats the question
            return "Kim [1]"
        m = re.search(r"^\[1\] (.+)$", user, re.M)
        first = m.group(1).strip() if m else ""
        text = f"{first} [1]"
        if self.mode == "hallucinate":
            text = "Kim ate noodles with Boris Johnson at 7 a.m. [1]. " + text
        return text

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _chunk(content: str, finish: str | None = None) -> dict:
    return {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake",
            "choices": [{"index": 0, "delta": {"content": content} if content else {}, "finish_reason": finish}]}
