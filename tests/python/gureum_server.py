"""Starts a Gureum server (the Release build) for a test module and stops it afterwards."""
import json
import os
import socket
import subprocess
import time
import urllib.request

ROOT = os.environ.get("GUREUM_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DLL = os.path.join(ROOT, "src", "Gureum.Server", "bin", "Release", "net10.0", "gureum.dll")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *extra_args, data_dir=None):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        args = ["dotnet", DLL, "start", "--port", str(self.port), "--quiet"]
        args += ["--data-dir", data_dir] if data_dir else ["--in-memory"]
        self.process = subprocess.Popen(args + list(extra_args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/_gureum/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("Gureum did not become healthy: " + self.process.stderr.read().decode(errors="replace"))

    def health(self):
        with urllib.request.urlopen(self.url + "/_gureum/health", timeout=5) as r:
            return json.load(r)

    def kill9(self):
        self.process.kill()  # SIGKILL
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
