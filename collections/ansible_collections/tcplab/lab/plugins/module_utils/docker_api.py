"""A small client for the Docker Engine API over its unix socket, Python standard library only.

The lab's Docker modules run on the Docker host itself (the controller, or a lab PC reached over
SSH) and talk to the engine's socket directly: no Docker SDK, no `docker` CLI process per call.
Every call opens its own connection, so threads may call concurrently.

Only what the lab uses: images, networks and containers. (The lab programs are started inside the
containers without the engine: see the docker_exchange module.)

The same calls drive a rootful Podman service through its Docker-compatible socket. Where Podman
answers differently, one method hides it: `bridge()` reads a network's bridge interface from
Podman's own API (its Docker answer leaves the bridge name out), `import_image()` names the image
with `repo` only (Podman ignores `tag` on import).
"""

import http.client
import json
import os
import socket
import urllib.parse

DEFAULT_SOCKET = "/var/run/docker.sock"
# The network option that names a bridge network's interface on the host.
BRIDGE_OPTION = "com.docker.network.bridge.name"
# Podman's own API, for what its Docker-compatible answers leave out.
LIBPOD = "/v4.0.0/libpod"


class DockerError(Exception):
    """The engine refused a call; the message is the engine's own, on one line."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


class Engine:
    def __init__(self, socket_path=DEFAULT_SOCKET, timeout=120):
        self.socket_path = socket_path
        self.timeout = timeout
        self._podman = None

    # --- plumbing -------------------------------------------------------------------------------

    def _request(self, method, path, body=None, query=None, timeout=None, upload=None):
        url = path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
        connection = _UnixConnection(self.socket_path, timeout if timeout is not None else self.timeout)
        headers = {}
        try:
            if body is not None:
                body = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            elif upload is not None:  # a file streamed as the body: a tar archive
                body = upload
                headers.update({"Content-Type": "application/x-tar",
                                "Content-Length": str(os.fstat(upload.fileno()).st_size)})
            connection.request(method, url, body=body, headers=headers)
            return connection, connection.getresponse()
        except FileNotFoundError:
            connection.close()
            raise DockerError(0, f"no Docker engine socket at {self.socket_path}") from None
        except PermissionError:
            connection.close()
            raise DockerError(0, f"no permission to use {self.socket_path} (use become, or join "
                                 "the docker group)") from None
        except OSError:
            connection.close()
            raise

    def call(self, method, path, body=None, query=None, missing_ok=False, raw=False, timeout=None,
             upload=None):
        """One API call; the decoded JSON answer (or bytes with raw=True). 404 -> None if missing_ok.

        `upload`, an open file, is sent as the request's body instead of JSON.
        """
        connection, response = self._request(method, path, body, query, timeout, upload)
        try:
            data = response.read()
        finally:
            connection.close()
        if response.status == 404 and missing_ok:
            return None
        if response.status >= 400:
            raise DockerError(response.status, _engine_message(data, response.status))
        if raw:
            return data
        return json.loads(data) if data.strip() else None

    def podman(self):
        """Whether the engine behind the socket is Podman (asked once)."""
        if self._podman is None:
            components = (self.call("GET", "/version") or {}).get("Components") or []
            self._podman = any("podman" in (c.get("Name") or "").lower() for c in components)
        return self._podman

    # --- images, networks, containers -----------------------------------------------------------

    def image(self, name):
        return self.call("GET", f"/images/{_quote(name)}/json", missing_ok=True)

    def import_image(self, path, name, changes=()):
        """Import the root filesystem tar at `path` as image `name` (`docker import`); its id."""
        with open(path, "rb") as archive:
            data = self.call("POST", "/images/create", query={"fromSrc": "-", "repo": name,
                                                              "changes": list(changes)},
                             raw=True, timeout=600, upload=archive)
        for line in data.decode(errors="replace").splitlines():
            if '"error"' in line:
                raise DockerError(500, json.loads(line).get("error", line))
        image = self.image(name)
        if image is None:
            raise DockerError(500, f"the engine imported {path} but has no image {name}")
        return image["Id"]

    def pull(self, name):
        repository, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "latest")
        data = self.call("POST", "/images/create", query={"fromImage": repository, "tag": tag or "latest"},
                         raw=True, timeout=600)
        for line in data.decode(errors="replace").splitlines():
            if '"error"' in line:
                raise DockerError(500, json.loads(line).get("error", line))

    def networks(self, label):
        return self.call("GET", "/networks", query={"filters": json.dumps({"label": [label]})})

    def network(self, name):
        return self.call("GET", f"/networks/{_quote(name)}", missing_ok=True)

    def bridge(self, network):
        """The bridge interface of `network` (an inspected network), as it was created."""
        if self.podman():
            found = self.call("GET", f"{LIBPOD}/networks/{_quote(network['Name'])}/json", missing_ok=True)
            return (found or {}).get("network_interface")
        return (network.get("Options") or {}).get(BRIDGE_OPTION)

    def create_network(self, spec):
        return self.call("POST", "/networks/create", body=spec)

    def remove_network(self, name):
        self.call("DELETE", f"/networks/{_quote(name)}", missing_ok=True)

    def containers(self, label):
        return self.call("GET", "/containers/json",
                         query={"all": "1", "filters": json.dumps({"label": [label]})})

    def container(self, name):
        return self.call("GET", f"/containers/{_quote(name)}/json", missing_ok=True)

    def create_container(self, name, spec):
        return self.call("POST", "/containers/create", body=spec, query={"name": name})

    def start(self, name):
        self.call("POST", f"/containers/{_quote(name)}/start")

    def remove_container(self, name):
        self.call("DELETE", f"/containers/{_quote(name)}", query={"force": "1", "v": "1"}, missing_ok=True)



def _quote(name):
    return urllib.parse.quote(name, safe="")


def _engine_message(data, status):
    try:
        message = json.loads(data).get("message", "")
    except ValueError:
        message = data.decode(errors="replace")
    return " ".join((message or f"HTTP {status}").split())
