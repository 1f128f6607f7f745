"""Create the demo data of `make run` when the database has no client yet."""
import secrets

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
            self.stdout.write("Demo data skipped: the database already has clients.")
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

        self.stdout.write(self.style.SUCCESS(
            f"Created client {DEMO_CLIENT!r} (opted in, sync every {options['sync_interval']} "
            "minute(s)).\n"
            f"Admin login:    admin / {admin_password}\n"
            f"Marketer login: marketer / {marketer_password}\n"
            "These passwords are shown only now."
        ))
