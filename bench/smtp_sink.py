"""A fast SMTP sink on loopback: speaks just enough SMTP and throws every mail away.

It runs in a process of its own, so the sender being measured has the interpreter to
itself; both sides of a comparison talk to the same sink.
"""

from __future__ import annotations

import multiprocessing
import socket
import socketserver


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        out = self.wfile
        out.write(b"220 sink ESMTP\r\n")
        out.flush()
        rfile = self.rfile
        while True:
            line = rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                out.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                out.write(b"354 go ahead\r\n")
                out.flush()
                while True:
                    chunk = rfile.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                out.write(b"250 accepted\r\n")
            elif verb == b"QUIT":
                out.write(b"221 bye\r\n")
                out.flush()
                return
            else:  # MAIL, RCPT, RSET, NOOP
                out.write(b"250 ok\r\n")
            out.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(port: int, ready) -> None:
    with _Server(("127.0.0.1", port), _Handler) as server:
        ready.set()
        server.serve_forever()


def start_sink() -> tuple[multiprocessing.Process, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=_serve, args=(port, ready), daemon=True)
    process.start()
    ready.wait(10)
    return process, port
