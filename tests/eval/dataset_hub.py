"""A stand-in for huggingface.co on loopback serving dataset repositories, for ``HF_ENDPOINT``.

It answers the requests ``datasets.load_dataset("owner/name")`` makes (found by logging what
datasets 5.x asks for): the repo's info (``/api/datasets/<repo>[/revision/<rev>]``), its file
tree (``/api/datasets/<repo>/tree/<rev>[/<dir>]``), and the files themselves
(``/datasets/<repo>/resolve/<rev>/<path>``, HEAD and GET). Anything else is a 404 as the hub
gives it for a missing repository, and every request is recorded.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import urllib.parse
from pathlib import Path
from typing import Any

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class DatasetHub:
    """Serves each ``repos[repo_id]`` folder as that dataset repository at commit `COMMIT`."""

    def __init__(self, repos: dict[str, Path]) -> None:
        self.requests: list[str] = []
        self._files = {
            repo: {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}
            for repo, root in repos.items()
        }
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hub._answer(self)

            def do_HEAD(self) -> None:
                hub._answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, request: http.server.BaseHTTPRequestHandler) -> None:
        self.requests.append(f"{request.command} {request.path}")
        url = urllib.parse.urlparse(request.path)
        path = urllib.parse.unquote(url.path)
        for repo, files in self._files.items():
            api = f"/api/datasets/{repo}"
            resolve = f"/datasets/{repo}/resolve/"
            if path.startswith(resolve):
                _, _, name = path[len(resolve) :].partition("/")
                return self._file(request, files.get(name))
            if path == api or path.startswith(api + "/revision/"):
                siblings = [{"rfilename": name} for name in files]
                return self._json(
                    request, {"id": repo, "sha": COMMIT, "siblings": siblings, "private": False}
                )
            if path.startswith(api + "/tree/"):
                _, _, folder = path[len(api + "/tree/") :].partition("/")
                return self._json(request, self._tree(files, folder, "recursive=true" in url.query.lower()))
        self._json(request, {"error": "Repository not found"}, status=404, error_code="RepoNotFound")

    @staticmethod
    def _tree(files: dict[str, Path], folder: str, recursive: bool) -> list[dict[str, Any]]:
        prefix = f"{folder}/" if folder else ""
        entries: dict[str, dict[str, Any]] = {}
        for name, file in files.items():
            if not name.startswith(prefix):
                continue
            parts = name[len(prefix) :].split("/")
            for depth in range(1, len(parts)):
                folder_name = prefix + "/".join(parts[:depth])
                entries.setdefault(folder_name, {"type": "directory", "path": folder_name, "oid": "0" * 40})
                if not recursive:
                    break
            if recursive or len(parts) == 1:
                oid = hashlib.sha1(file.read_bytes()).hexdigest()
                entries[name] = {"type": "file", "path": name, "size": file.stat().st_size, "oid": oid}
        return list(entries.values())

    @staticmethod
    def _file(request: http.server.BaseHTTPRequestHandler, file: Path | None) -> None:
        if file is None:
            request.send_response(404)
            request.send_header("X-Error-Code", "EntryNotFound")
            request.send_header("X-Repo-Commit", COMMIT)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        body = file.read_bytes()
        request.send_response(200)
        request.send_header("X-Repo-Commit", COMMIT)
        request.send_header("ETag", f'"{hashlib.sha1(body).hexdigest()}"')
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)

    @staticmethod
    def _json(
        request: http.server.BaseHTTPRequestHandler, obj: Any, *, status: int = 200, error_code: str = ""
    ) -> None:
        body = json.dumps(obj).encode()
        request.send_response(status)
        if error_code:
            request.send_header("X-Error-Code", error_code)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)
