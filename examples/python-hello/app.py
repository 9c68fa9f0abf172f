"""A minimal Python web app for Berth, standard library only: listens on $PORT."""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8000"))
GREETING = os.environ.get("GREETING", "Hello from python-hello")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body, kind = b"ok\n", "text/plain"
        elif self.path == "/info":
            body = json.dumps({"path": self.path, "prefix": self.headers.get("X-Forwarded-Prefix")}).encode()
            kind = "application/json"
        else:
            body, kind = f"{GREETING}!\n".encode(), "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


if __name__ == "__main__":
    # Exit promptly on SIGTERM so a redeploy's old release stops at once.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"python-hello listening on {PORT}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
