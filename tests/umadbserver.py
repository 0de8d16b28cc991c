"""Run a real UmaDB server (the ``umadb`` package's server script) for a test, then stop it.

Started as a subprocess on a free port with its database in a temporary directory; with
``api_key`` it also gets a throwaway CA and server certificate (the client sends an API key only
over TLS). Tests in CI start and stop it the same way: nothing else to set up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command() -> list[str]:
    script = Path(sys.executable).parent / "umadb"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from umadb.umadb_server_cli import main; "
            "sys.argv[0] = 'umadb'; main()"]


def make_certs(where: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, cert.pem, key.pem): a CA and a server certificate for 127.0.0.1/localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject: x509.Name, issuer: x509.Name, pub: object, key: object,
              ca: bool) -> x509.Certificate:
        b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
             .public_key(pub).serial_number(x509.random_serial_number())  # type: ignore[arg-type]
             .not_valid_before(now - dt.timedelta(days=1))
             .not_valid_after(now + dt.timedelta(days=2))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            b = b.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                critical=False)
        return b.sign(key, hashes.SHA256())  # type: ignore[arg-type]

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "inspector test CA")])
    ca = build(ca_name, ca_name, ca_key.public_key(), ca_key, True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = build(name, ca_name, key.public_key(), ca_key, False)
    paths = (where / "ca.pem", where / "cert.pem", where / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@dataclass
class UmaServer:
    port: int
    proc: subprocess.Popen[bytes]
    db_path: Path
    api_key: str | None = None
    ca: Path | None = None

    @property
    def url(self) -> str:
        """What the inspector opens."""
        return f"umadb://127.0.0.1:{self.port}"

    @property
    def client_url(self) -> str:
        """What the library's client (eventsourcing-umadb's ``UMADB_URI``) connects to."""
        return f"{'https' if self.ca else 'http'}://127.0.0.1:{self.port}"

    @property
    def args(self) -> list[str]:
        out = [self.url]
        if self.ca:
            out += ["--tls-ca", str(self.ca)]
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def start_server(where: Path, api_key: str | None = None) -> UmaServer:
    where.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cmd = [*server_command(), "--listen", f"127.0.0.1:{port}", "--db-path", str(where / "uma.db")]
    ca = None
    if api_key:
        ca, cert, key = make_certs(where)
        cmd += ["--api-key", api_key, "--tls-cert", str(cert), "--tls-key", str(key)]
    log = open(where / "server.log", "wb")  # noqa: SIM115 - kept for the process' life
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMADB_")}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    server = UmaServer(port, proc, where / "uma.db", api_key, ca)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"umadb server exited: {(where / 'server.log').read_text()[-500:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return server
        time.sleep(0.05)
    server.stop()
    raise RuntimeError("umadb server did not start listening within 20 s")


@contextlib.contextmanager
def uma_server(where: Path, api_key: str | None = None) -> Iterator[UmaServer]:
    server = start_server(where, api_key)
    try:
        yield server
    finally:
        server.stop()


def uma_env(server: UmaServer) -> dict[str, str]:
    """The library's environment for an application on this server (eventsourcing-umadb)."""
    return {"PERSISTENCE_MODULE": "eventsourcing_umadb", "UMADB_URI": server.client_url}
