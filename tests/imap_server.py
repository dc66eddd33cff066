"""A real dovecot for tests: IMAP on 127.0.0.1 (plain with STARTTLS, and implicit TLS),
run in the foreground as this process's child, with users who each have a mailbox tree.

Its fixtures are `dovecot` (one per session) and `imap_user` (a fresh user per test):
`from tests.imap_server import dovecot_fixture, imap_user_fixture  # noqa: F401`.
Users can be added while it runs; failed logins are not penalised (no anvil penalty).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from imapclient import IMAPClient

HOST = "127.0.0.1"
MISSING = "dovecot is not installed (apt-get install -y dovecot-imapd)"

CONFIG = """\
protocols = imap
listen = {host}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
ssl = yes
ssl_cert = <{dir}/tls/server.pem
ssl_key = <{dir}/tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users/%u
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={dir}/mail/%u
}}
mail_location = maildir:~/Maildir
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
  }}
}}
"""


@dataclass(frozen=True)
class MailUser:
    name: str
    password: str


def dovecot_binary(name: str = "dovecot") -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which(name, path=path)


def require_dovecot() -> str:
    binary = dovecot_binary()
    if binary:
        return binary
    if os.environ.get("CI"):
        pytest.fail(MISSING, pytrace=False)
    pytest.skip(MISSING)


class Dovecot:
    """One dovecot master in a temporary folder; a context manager."""

    def __init__(self, users: dict[str, str] | None = None, binary: str = "dovecot") -> None:
        self.binary = binary
        self._users = dict(users or {"hub": "secret"})
        self.host = HOST
        self.port = 0
        self.tls_port = 0
        self.dir = Path(tempfile.mkdtemp(prefix="ob2b-dc-"))  # short: unix socket paths
        self.process: subprocess.Popen | None = None

    @property
    def users(self) -> dict[str, str]:
        return dict(self._users)

    @property
    def ca_file(self) -> str:
        """The certificate authority that signed the server's certificate."""
        return str(self.dir / "tls" / "ca.pem")

    def __enter__(self) -> Dovecot:
        try:
            self._prepare()
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _prepare(self) -> None:
        self.dir.chmod(0o755)  # the auth process runs as the dovecot user
        for name in ("run", "state", "mail", "tls", "users"):
            (self.dir / name).mkdir()
        shutil.chown(self.dir / "mail", "nobody", "nogroup")
        _write_certificates(self.dir / "tls")
        for name, password in self._users.items():
            self._write_user(name, password)

    def _start(self) -> None:
        for _ in range(5):  # a free port may be taken before dovecot binds it
            self.port, self.tls_port = _free_ports(2)
            config = CONFIG.format(host=HOST, dir=self.dir, port=self.port, tls_port=self.tls_port)
            (self.dir / "dovecot.conf").write_text(config)
            with open(self.dir / "stderr.log", "wb") as stderr:
                self.process = subprocess.Popen(
                    [self.binary, "-F", "-c", str(self.dir / "dovecot.conf")],
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
            if self._answers():
                return
            self.process.wait()
        raise RuntimeError(f"dovecot did not start:\n{self.log()}")

    def _answers(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as connection:
                    if connection.recv(100).startswith(b"* OK"):
                        return True
            except OSError:
                time.sleep(0.02)
        return False

    def stop(self) -> None:
        """Stops the master (it stops its children) and removes the folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self) -> str:
        parts = [self.dir / "stderr.log", self.dir / "dovecot.log"]
        return "".join(p.read_text(errors="replace") for p in parts if p.exists())

    def add_user(self, name: str, password: str, *, capability: str | None = None) -> None:
        """A new user, seen at once (one passwd-file per user, read when first needed: a
        changed file would be re-read only a second later). `capability` replaces what
        the server announces to that user after login (one word, e.g. "IMAP4rev1")."""
        if name in self._users:
            raise ValueError(f"user {name!r} exists already")
        self._users[name] = password
        self._write_user(name, password, capability)

    def _write_user(self, name: str, password: str, capability: str | None = None) -> None:
        extra = f"::::::userdb_imap_capability={capability}" if capability else ""
        path = self.dir / "users" / name
        path.write_text(f"{name}:{{PLAIN}}{password}{extra}\n")
        path.chmod(0o644)

    def kick(self, user: str) -> None:
        """Closes the user's connections from the server's side."""
        command = [dovecot_binary("doveadm") or "doveadm", "-c", str(self.dir / "dovecot.conf")]
        subprocess.run([*command, "kick", user], check=True, capture_output=True, timeout=10)

    def client(self, user: str = "hub") -> IMAPClient:
        """A logged-in client on the plain port; log it out when done."""
        client = IMAPClient(HOST, port=self.port, ssl=False, timeout=10)
        client.login(user, self._users[user])
        return client

    def append(self, folder: str, raw: bytes, user: str = "hub") -> None:
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)
        finally:
            client.logout()

    def messages(self, folder: str, user: str = "hub") -> list[bytes]:
        """The folder's messages in UID order, read without changing their flags."""
        client = self.client(user)
        try:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search("ALL"))
            bodies = client.fetch(uids, [b"BODY.PEEK[]"]) if uids else {}
            return [bodies[uid][b"BODY[]"] for uid in uids]
        finally:
            client.logout()


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _write_certificates(folder: Path) -> None:
    """A throwaway authority and a server certificate for localhost and 127.0.0.1."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Order B2B test authority")])
    ca = (
        _certificate(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
    server = (
        _certificate(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
            ca_name,
            key.public_key(),
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(server.public_bytes(pem))
    (folder / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _certificate(subject: x509.Name, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def _key_usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture(scope="session", name="dovecot")
def dovecot_fixture():
    """One dovecot for the test session; give each test its own user (`imap_user`)."""
    with Dovecot(binary=require_dovecot()) as server:
        yield server


@pytest.fixture(name="imap_user")
def imap_user_fixture(dovecot) -> MailUser:
    """A fresh user, so each test has a mailbox tree of its own."""
    user = MailUser(f"u{secrets.token_hex(5)}", secrets.token_hex(8))
    dovecot.add_user(user.name, user.password)
    return user
