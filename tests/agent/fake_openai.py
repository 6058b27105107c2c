"""A scriptable OpenAI-compatible chat-completions server on 127.0.0.1 (standard
library only), for testing the provider layer over real HTTP with litellm.

    with FakeOpenAI() as server:
        server.script(text("Hello"), status(429, retry_after="1"), tool_calls(("decide", "{}")))
        ... api_base=server.api_base ...
        server.requests  # the JSON bodies received, in order

Each request takes the next scripted reply; when the script is empty, `default`
(a reply or a function of the request body) answers, else the test fails with a 500
naming the unexpected request.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Reply:
    kind: str  # "text" | "tools" | "status" | "cut" | "endless_text" | "endless_args"
    text: str = ""
    calls: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    #: Seconds to wait before answering (a timeout test).
    delay: float = 0.0
    chunk: int = 4
    #: Send `"content": null` where a server without text sends it (tool-call chunks).
    null_content: bool = False


def text(content: str, delay: float = 0.0, chunk: int = 4) -> Reply:
    return Reply("text", text=content, delay=delay, chunk=chunk)


def tool_calls(*calls: tuple[str, Any], text: str = "") -> Reply:
    """Tool calls streamed as deltas: arguments may be a dict or a raw (bad) string."""
    raw = [(n, a if isinstance(a, str) else json.dumps(a)) for n, a in calls]
    return Reply("tools", calls=raw, text=text)


def status(code: int, message: str = "error", retry_after: str | None = None, kind: str = "server_error") -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply("status", status=code, headers=headers,
                 body={"error": {"message": message, "type": kind, "code": str(code)}})


def endless_text() -> Reply:
    """Varied text, forever (until the client hangs up or the server stops)."""
    return Reply("endless_text")


def endless_args(name: str = "update_profile") -> Reply:
    """One tool call whose arguments never end."""
    return Reply("endless_args", calls=[(name, "")])


def rejects_tools(then: Reply, code: int = 400,
                  message: str = "tools are not supported by this server") -> Callable[[dict[str, Any]], Reply]:
    """A server that refuses any request carrying `tools` (llama.cpp without --jinja
    answers 500 "tools param requires --jinja flag"), and answers `then` to the others."""
    return lambda body: (status(code, message, kind="invalid_request_error")
                         if "tools" in body or "tool_choice" in body else then)


def cut(content: str) -> Reply:
    """Stream some text, then drop the connection without a finish reason."""
    return Reply("cut", text=content)


class FakeOpenAI:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.default: Reply | Callable[[dict[str, Any]], Reply] | None = None
        self.requests: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(body)
                    reply = server.replies.pop(0) if server.replies else server.default
                if callable(reply):
                    reply = reply(body)
                if reply is None:
                    reply = status(500, f"unexpected request #{len(server.requests)}")
                if reply.delay and server.stopping.wait(reply.delay):
                    return
                try:
                    server._answer(self, reply, body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    # -- control -------------------------------------------------------------------
    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- answers -------------------------------------------------------------------
    def _answer(self, handler: BaseHTTPRequestHandler, reply: Reply, body: dict[str, Any]) -> None:
        if reply.kind == "status":
            data = json.dumps(reply.body).encode()
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for k, v in reply.headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(data)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        model = body.get("model", "fake")

        def send(delta: dict[str, Any] | None, finish: str | None = None, usage: dict | None = None) -> None:
            chunk: dict[str, Any] = {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                                     "created": int(time.time()), "model": model,
                                     "choices": [] if delta is None else
                                     [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if usage is not None:
                chunk["usage"] = usage
            handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            handler.wfile.flush()

        send({"role": "assistant", "content": None if reply.null_content else ""})
        if reply.kind in ("endless_text", "endless_args"):
            self._endless(send, reply)
            return
        for i in range(0, len(reply.text), reply.chunk):
            send({"content": reply.text[i:i + reply.chunk]})
        if reply.kind == "cut":
            handler.close_connection = True
            return
        for index, (name, args) in enumerate(reply.calls):
            start = {"tool_calls": [{"index": index, "id": f"call_{len(self.requests)}_{index}", "type": "function",
                                     "function": {"name": name, "arguments": ""}}]}
            if reply.null_content:
                start["content"] = None
            send(start)
            for i in range(0, len(args), 7):  # arguments arrive in pieces, as real servers send them
                send({"tool_calls": [{"index": index, "function": {"arguments": args[i:i + 7]}}]})
        send({}, finish="tool_calls" if reply.calls else "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            send(None, usage={"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18})
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()

    def _endless(self, send: Callable[..., None], reply: Reply) -> None:
        """Stream until the client goes away (a write fails) or the server stops."""
        n = 0
        if reply.kind == "endless_args":
            send({"tool_calls": [{"index": 0, "id": "call_endless", "type": "function",
                                  "function": {"name": reply.calls[0][0], "arguments": '{"use_case": "'}}]})
        while not self.stopping.is_set():
            n += 1
            piece = f"point {n} is different from point {n - 1}; "
            if reply.kind == "endless_text":
                send({"content": piece})
            else:
                send({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
