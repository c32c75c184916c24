"""An OpenAI-compatible HTTP server over a local GGUF model, several requests at once (continuous batching).

    python -m qa.backends.server                       # the bundled model on http://127.0.0.1:8080/v1
    python -m qa.backends.server --gguf my.gguf --port 8081 --parallel 4 --threads 2

Endpoints: ``POST /v1/chat/completions`` (``stream`` true or false; ``max_tokens`` or
``max_completion_tokens``, ``temperature``, ``stop``, ``seed``), ``GET /v1/models``, ``GET /health``.
Any OpenAI-compatible client works against it, sourced's own ``--generator openai --llm-url
http://127.0.0.1:8080/v1`` included, so one loaded model can serve several chat processes.

Why sourced ships its own rather than cyllama's: cyllama 0.2.18's ``PythonServer`` answers the first
request and then returns empty text for every later one (it reuses the KV cache without clearing it,
and llama.cpp rejects the batch), ignores ``stream``, and formats prompts as ``User:``/``Assistant:``
lines instead of the model's chat template; cyllama ships no ``llama-server`` binary, and there is no
prebuilt one on PyPI. This server is a thin HTTP layer over ``BatchedEngine``.

A client that disconnects mid-stream frees its sequence at the next decode step. Loopback by
default; there is no authentication, so do not bind it to other interfaces on a shared network.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import ModelUnavailable
from .batched import BatchedEngine
from .engine import DEFAULT_MAX_TOKENS, DEFAULT_THREADS

MAX_BODY = 4 * 1024 * 1024


class BadRequest(ValueError):
    """A request this server cannot take (answered with HTTP 400)."""


def _messages(body: dict) -> list[dict[str, str]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list")
    out = []
    for m in messages:
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise BadRequest("each message needs a 'role' and a 'content'")
        content = m.get("content") or ""
        if isinstance(content, list):  # content parts: keep the text ones
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        role = "system" if m["role"] == "developer" else m["role"]
        out.append({"role": role, "content": str(content)})
    return out


def _params(body: dict, default_max: int) -> dict[str, Any]:
    stop = body.get("stop") or []
    if isinstance(stop, str):
        stop = [stop]
    try:
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens") or default_max
        return {
            "max_tokens": int(max_tokens),
            "temperature": float(body["temperature"]) if body.get("temperature") is not None else 1.0,
            "stop": [str(s) for s in stop],
            "seed": int(body.get("seed") or 0),
        }
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"bad sampling parameter: {exc}") from exc


class ModelServer:
    """Serves ``engine`` over HTTP on ``host:port`` (port 0: a free one) in background threads."""

    def __init__(
        self,
        engine: BatchedEngine,
        host: str = "127.0.0.1",
        port: int = 8080,
        model_name: str | None = None,
        default_max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        self.engine = engine
        self.model_name = model_name or Path(engine.path).name
        self.default_max_tokens = default_max_tokens
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True
        self.host, self.port = self.httpd.server_address[:2]
        self.url = f"http://{self.host}:{self.port}/v1"
        self._thread: threading.Thread | None = None

    def start(self) -> ModelServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name="sourced-model-server")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "sourced-model-server"
            # HTTP/1.1 and chunked events: a server that dies mid-answer is then an incomplete body to
            # any client, not a stream that seems to end normally.
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                path = self.path.split("?")[0].rstrip("/")
                if path == "/health":
                    engine = server.engine  # steps / max_batch_seqs show whether requests were batched
                    self._json(200, {"status": "ok", "parallel": engine.parallel, "steps": engine.steps,
                                     "max_batch_seqs": engine.max_batch_seqs})
                elif path == "/v1/models":
                    self._json(200, {"object": "list", "data": [
                        {"id": server.model_name, "object": "model", "created": 0, "owned_by": "sourced"}]})
                else:
                    self._error(404, f"no route {self.path}", "not_found")

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                if self.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
                    self._error(404, f"no route {self.path}", "not_found")
                    return
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    if length > MAX_BODY:
                        raise BadRequest("request body too large")
                    body = json.loads(self.rfile.read(length) or b"{}")
                    if not isinstance(body, dict):
                        raise BadRequest("the body must be a JSON object")
                    prompt = server.engine.render(_messages(body))
                    params = _params(body, server.default_max_tokens)
                    tokens = server.engine.generate(prompt, **params)
                    first = next(tokens, None)  # a prompt too long fails here, before any header is sent
                except (BadRequest, ValueError) as exc:
                    self._error(400, str(exc), "invalid_request_error")
                    return
                except Exception as exc:  # noqa: BLE001 - the model failed: tell the client, keep serving
                    self._error(500, f"{type(exc).__name__}: {exc}", "server_error")
                    return
                # The client may leave mid-answer; closing the token stream frees its sequence.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError), contextlib.closing(tokens):
                    if body.get("stream"):
                        self._stream(first, tokens, body)
                    else:
                        self._complete(first, tokens, body)

            def _complete(self, first: str | None, tokens: Any, body: dict) -> None:
                text = (first or "") + "".join(tokens)
                stats = server.engine.last_stats
                self._json(200, {
                    "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model") or server.model_name,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                 "finish_reason": stats.get("finish_reason", "stop")}],
                    "usage": _usage(stats),
                })

            def _stream(self, first: str | None, tokens: Any, body: dict) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()

                def send(data: bytes) -> None:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()

                ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
                model = body.get("model") or server.model_name

                def event(delta: dict, finish: str | None = None, usage: dict | None = None) -> None:
                    chunk: dict[str, Any] = {"id": ident, "object": "chat.completion.chunk", "created": created,
                                             "model": model,
                                             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                    if usage is not None:
                        chunk["usage"] = usage
                    send(f"data: {json.dumps(chunk)}\n\n".encode())

                event({"role": "assistant", "content": ""})
                try:
                    if first:
                        event({"content": first})
                    for piece in tokens:
                        event({"content": piece})
                except (BrokenPipeError, ConnectionResetError):
                    raise
                except Exception as exc:  # noqa: BLE001 - headers are sent: report in the stream, then end it
                    send(f"data: {json.dumps({'error': {'message': str(exc)}})}\n\n".encode())
                    send(b"")  # a zero-length chunk ends the body
                    return
                stats = server.engine.last_stats
                event({}, stats.get("finish_reason", "stop"), _usage(stats))
                send(b"data: [DONE]\n\n")
                send(b"")

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str, kind: str) -> None:
                self.close_connection = True  # the request body may be unread: do not reuse the connection
                self._json(status, {"error": {"message": message, "type": kind}})

        return Handler


def _usage(stats: dict) -> dict[str, int]:
    prompt, completion = int(stats.get("prompt_tokens", 0)), int(stats.get("generated_tokens", 0))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gguf", type=Path, help="a GGUF file (default: the bundled model)")
    p.add_argument("--model-cache", type=Path, help="folder of the joined bundled model")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080, help="0: a free port (printed)")
    p.add_argument("--parallel", type=int, default=4, help="requests served at once (default 4)")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="CPU threads (default 2)")
    p.add_argument("--ctx", type=int, default=2048, help="context tokens per request (default 2048)")
    p.add_argument("--max-tokens", type=int, default=DEFAULT_MAX_TOKENS, help="default answer length in tokens")
    p.add_argument("--model-name", help="the model id clients see (default: the file name)")
    args = p.parse_args(argv)
    if args.parallel < 1 or args.threads < 1 or args.ctx < 64:
        p.error("--parallel and --threads must be >= 1, --ctx >= 64")
    try:
        if args.gguf:
            path = args.gguf.expanduser()
            if not path.is_file():
                raise ModelUnavailable(f"Model file not found: {path}.", "Check the path of the GGUF file.")
        else:
            from ..config import default_model_cache
            from .bundled import bundled_model_path

            path = bundled_model_path(args.model_cache or default_model_cache())
        engine = BatchedEngine(str(path), args.ctx, args.threads, args.parallel)
    except ModelUnavailable as exc:
        print(f"error: {exc.message}\nhint: {exc.hint}" if exc.hint else f"error: {exc.message}", file=sys.stderr)
        return 2
    server = ModelServer(engine, args.host, args.port, args.model_name, args.max_tokens)
    print(f"serving {path.name} on {server.url} ({args.parallel} at once, {args.threads} threads, "
          f"loaded in {engine.load_s:.1f} s)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
