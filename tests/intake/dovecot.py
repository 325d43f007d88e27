"""A real Dovecot IMAP server for the intake tests, run from a temporary config.

`dovecot_server` is session-scoped: import it into a test module. It installs Dovecot with
.ci/install-dovecot when the binary is missing; it skips only where it cannot install (not root,
no apt-get) and CI is not set. In CI it must run.

The server listens on 127.0.0.1 with plain IMAP (STARTTLS offered) and IMAPS. Its certificates
come from a throw-away CA (ca.pem): a client asking for "localhost" (SNI) gets a certificate for
localhost; any other name gets one for wrong.example, which a verifying client must refuse.
"""
from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
USER = "orders@osl.test"
PASSWORD = "imap-test-pass"


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def ensure_installed() -> None:
    if shutil.which("dovecot"):
        return
    can_install = os.geteuid() == 0 and shutil.which("apt-get")
    if not can_install and not os.environ.get("CI"):
        pytest.skip("Dovecot is not installed and cannot be installed here (needs root and apt-get).")
    subprocess.run([str(ROOT / ".ci" / "install-dovecot")], check=True)


def make_certificates(directory: Path) -> None:
    """ca.pem, plus good.{pem,key} for localhost and wrong.{pem,key} for wrong.example."""
    d = str(directory)
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Partdesk test CA",
         "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, host in (("good", "localhost"), ("wrong", "wrong.example")):
        _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={host}",
             "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr")
        ext = directory / f"{name}.ext"
        ext.write_text(f"subjectAltName=DNS:{host}\nextendedKeyUsage=serverAuth\n")
        _run("openssl", "x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", str(ext), "-out", f"{d}/{name}.pem")


CONFIG = """
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
imap_idle_notify_interval = 2 mins
ssl = yes
ssl_cert = <{base}/wrong.pem
ssl_key = <{base}/wrong.key
ssl_dh = <{dh}
local_name localhost {{
  ssl_cert = <{base}/good.pem
  ssl_key = <{base}/good.key
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={base}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


class Dovecot:
    def __init__(self, base: Path):
        self.base = base
        self.port = _free_port()
        self.ssl_port = _free_port()
        self.host = "127.0.0.1"
        self.cafile = str(base / "ca.pem")
        self.config = base / "dovecot.conf"

    def write_config(self) -> None:
        dh = "/usr/share/dovecot/dh.pem"
        if not Path(dh).exists():
            _run("openssl", "dhparam", "-out", str(self.base / "dh.pem"), "1024")
            dh = str(self.base / "dh.pem")
        (self.base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        for sub in ("run", "state", "mail"):
            (self.base / sub).mkdir(exist_ok=True)
        shutil.chown(self.base / "mail", "dovecot", "dovecot")
        self.config.write_text(CONFIG.format(base=self.base, dh=dh, port=self.port, ssl_port=self.ssl_port))

    def start(self) -> None:
        with open(self.base / "dovecot.stderr", "ab") as err:  # the daemon must not hold our pipes
            subprocess.run(["dovecot", "-c", str(self.config)], check=True, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Dovecot did not start: " + self.log_tail())

    def stop(self) -> None:
        subprocess.run(["doveadm", "-c", str(self.config), "stop"], check=False, capture_output=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                time.sleep(0.05)
            except OSError:
                return

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self) -> str:
        log = self.base / "dovecot.log"
        return log.read_text()[-3000:] if log.exists() else "(no log)"

    # the test side talks plain stdlib imaplib: it only appends and counts
    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port)
        imap.login(USER, PASSWORD)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX", imap: imaplib.IMAP4 | None = None) -> None:
        own = imap is None
        imap = imap or self.client()
        try:
            typ, data = imap.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            if own:
                imap.logout()

    def count(self, folder: str = "INBOX") -> int:
        imap = self.client()
        try:
            typ, data = imap.status(f'"{folder}"', "(MESSAGES)")
            if typ != "OK":
                return 0
            return int(data[0].split(b"MESSAGES ")[1].rstrip(b")"))
        finally:
            imap.logout()

    def reset(self) -> None:
        """Delete every folder's messages so each test starts from an empty account."""
        imap = self.client()
        try:
            typ, folders = imap.list()
            for line in folders or []:
                name = line.decode().rsplit(' "/" ', 1)[-1].strip('"')
                if name.upper() != "INBOX":
                    imap.delete(f'"{name}"')
            typ, data = imap.select("INBOX")
            if int(data[0]) > 0:
                imap.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                imap.expunge()
        finally:
            imap.logout()


@pytest.fixture(scope="session")
def dovecot_server():
    ensure_installed()
    base = Path(tempfile.mkdtemp(prefix="partdesk-dovecot-"))
    base.chmod(0o755)  # the mail processes run as the dovecot user
    make_certificates(base)
    server = Dovecot(base)
    server.write_config()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_server, monkeypatch, app):
    """The server with an empty account, the CA trusted (in the app's config, and in the environment for a
    worker started as a subprocess) and the password in the environment."""
    dovecot_server.reset()
    app.config["IMAP_CAFILE"] = dovecot_server.cafile
    monkeypatch.setenv("PARTDESK_IMAP_CAFILE", dovecot_server.cafile)
    monkeypatch.setenv("PARTDESK_TEST_IMAP_PASSWORD", PASSWORD)
    return dovecot_server
