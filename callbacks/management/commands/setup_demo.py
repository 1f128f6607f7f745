"""Create the demo data of `make run` when the database has no client yet."""
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from callbacks.models import Client

DEMO_CLIENT = "Demo Retail"


class Command(BaseCommand):
    help = ("Create an admin user with a generated password, a marketer, and a demo client opted "
            "in to sync with the given Responsys login URL. Does nothing if a client exists.")

    def add_arguments(self, parser):
        parser.add_argument("--responsys-login-url", required=True,
                            help="login base URL of the Responsys emulator")
        parser.add_argument("--responsys-user", required=True)
        parser.add_argument("--responsys-password", required=True)
        parser.add_argument("--sync-interval", type=int, default=1,
                            help="minutes between syncs of the demo client (default 1, so that "
                                 "rows reach the emulator quickly)")

    @transaction.atomic
    def handle(self, *args, **options):
        if Client.objects.exists():
            self._refresh_demo_password(options)
            self.stdout.write("Demo data skipped: the database already has clients. Logins are "
                              "those printed on the first run; reset one with "
                              "`manage.py changepassword admin`.")
            return

        users = get_user_model()
        admin_password = secrets.token_urlsafe(12)
        marketer_password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "admin@example.com", admin_password)
        marketer = users.objects.create_user("marketer", "marketer@example.com", marketer_password)

        client = Client(
            name=DEMO_CLIENT, opted_in=True, sync_interval_minutes=options["sync_interval"],
            responsys_login_url=options["responsys_login_url"],
            responsys_username=options["responsys_user"],
        )
        client.responsys_password = options["responsys_password"]
        client.save()
        client.members.add(marketer)

        self._save_logins(admin_password, marketer_password)
        self.stdout.write(self.style.SUCCESS(
            f"Created client {DEMO_CLIENT!r} (opted in, sync every {options['sync_interval']} "
            "minute(s)).\n"
            f"Admin login:    admin / {admin_password}\n"
            f"Marketer login: marketer / {marketer_password}\n"
            "These passwords are shown only now (and kept in var/demo-logins.txt)."
        ))

    def _refresh_demo_password(self, options):
        """Store the emulator password again when the stored one can no longer be decrypted.

        That happens when var/run.env, which contains the key, was deleted but the database was
        kept: the demo client would otherwise fail every sync for lack of a password.
        """
        client = Client.objects.filter(name=DEMO_CLIENT).first()
        if client is None or client.responsys_password:
            return
        client.responsys_password = options["responsys_password"]
        client.responsys_login_url = options["responsys_login_url"]
        client.save(update_fields=["responsys_password", "responsys_login_url", "updated_at"])
        self.stdout.write(f"The stored Responsys password of {DEMO_CLIENT!r} could not be "
                          "decrypted with the current key; it was set again.")

    def _save_logins(self, admin_password, marketer_password):
        path = settings.BASE_DIR / "var" / "demo-logins.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"admin {admin_password}\nmarketer {marketer_password}\n")
        path.chmod(0o600)
