"""django-helpdesk 2.6.1 (PyPI), the peer: built in its own venv, with a queue that reads .eml files
from a local folder, as /work/shared/peers/helpdesk/setup.sh does (adapted here so a bench can build,
reset and run it).

    peer = build(Path("/tmp/partdesk-peer-helpdesk"))   # venv + project + migrated template database
    peer.reset()                                        # empty maildir and media, the template database
    peer.get_email_args()                               # the command a cron job runs
    peer.tickets()                                      # tickets in the database
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

VERSION = "2.6.1"

SETTINGS = """SECRET_KEY = "x"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.sites", "django.contrib.admin", "django.contrib.humanize",
    "django.contrib.messages", "django.contrib.staticfiles",
    "rest_framework", "helpdesk",
]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
 "django.contrib.auth.middleware.AuthenticationMiddleware",
 "django.contrib.messages.middleware.MessageMiddleware"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
 "OPTIONS": {"context_processors": ["django.contrib.auth.context_processors.auth",
   "django.template.context_processors.request", "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "@HD@/proj/db.sqlite3"}}
SITE_ID = 1
ROOT_URLCONF = "hdproj.urls"
MEDIA_ROOT = "@HD@/media"
STATIC_URL = "/static/"
HELPDESK_TEAMS_MODE_ENABLED = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
"""

MANAGE = """import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdproj.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""

QUEUE = """from helpdesk.models import Queue
q, _ = Queue.objects.get_or_create(slug="parts", defaults={"title": "Parts orders"})
q.email_address = "orders@example.test"
q.allow_email_submission = True
q.email_box_type = "local"
q.email_box_local_dir = "@HD@/maildir/"
q.email_box_interval = 0
q.save()
"""


@dataclass
class Peer:
    home: Path

    @property
    def python(self) -> Path:
        return self.home / "venv" / "bin" / "python"

    @property
    def proj(self) -> Path:
        return self.home / "proj"

    @property
    def maildir(self) -> Path:
        return self.home / "maildir"

    @property
    def db(self) -> Path:
        return self.proj / "db.sqlite3"

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.python), "manage.py", *args], cwd=self.proj, check=True,
                              capture_output=True, text=True)

    def get_email_args(self) -> list[str]:
        return [str(self.python), "manage.py", "get_email", "--quiet"]

    def reset(self) -> None:
        """The migrated database with its queue and nothing else; empty maildir and media."""
        for folder in (self.maildir, self.home / "media"):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        shutil.copyfile(self.home / "template.sqlite3", self.db)

    def tickets(self) -> int:
        with sqlite3.connect(self.db) as conn:
            return conn.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0]

    def version(self) -> str:
        out = subprocess.run([str(self.python), "-c", "from importlib.metadata import version as v; "
                              "print(v('django-helpdesk'), v('django'))"], capture_output=True, text=True)
        return out.stdout.strip()


def build(home: Path, base_python: str = "python3") -> Peer:
    """Create (or reuse) the venv with django-helpdesk==VERSION and a project whose queue reads
    `home/maildir`; migrate once into a template database that reset() copies."""
    peer = Peer(home)
    home.mkdir(parents=True, exist_ok=True)
    if not peer.python.exists():
        subprocess.run([base_python, "-m", "venv", str(home / "venv")], check=True)
    installed = subprocess.run([str(peer.python), "-c", "from importlib.metadata import version; "
                                "print(version('django-helpdesk'))"], capture_output=True, text=True)
    if installed.stdout.strip() != VERSION:
        subprocess.run([str(peer.python), "-m", "pip", "install", "-q", f"django-helpdesk=={VERSION}"], check=True)
    (peer.proj / "hdproj").mkdir(parents=True, exist_ok=True)
    peer.maildir.mkdir(exist_ok=True)
    (home / "media").mkdir(exist_ok=True)
    (peer.proj / "hdproj" / "settings.py").write_text(SETTINGS.replace("@HD@", str(home)))
    (peer.proj / "hdproj" / "__init__.py").touch()
    (peer.proj / "hdproj" / "urls.py").write_text(
        'from django.urls import include, path\nurlpatterns = [path("helpdesk/", include("helpdesk.urls"))]\n')
    (peer.proj / "manage.py").write_text(MANAGE)
    template = home / "template.sqlite3"
    if not template.exists():
        peer.db.unlink(missing_ok=True)
        peer.manage("migrate", "-v0")
        try:
            peer.manage("loaddata", "emailtemplate.json", "-v0")
        except subprocess.CalledProcessError:
            pass  # as setup.sh: the fixture is optional
        peer.manage("shell", "-c", QUEUE.replace("@HD@", str(home)))
        shutil.copyfile(peer.db, template)
    return peer
