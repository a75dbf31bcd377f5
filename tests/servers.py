"""The app behind a real socket, for clients that need one (requests-oauthlib, schemathesis, raw HTTP)."""

import threading

import waitress


class serve:
    """Context manager: ``app`` served by waitress in a thread on 127.0.0.1; yields its base URL."""

    def __init__(self, app, threads=8):
        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def port(self):
        return self.server.effective_port

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.close()
        self.thread.join(timeout=5)
