"""Print the callback URL of the demo client, for the local traffic generator."""
from django.core.management.base import BaseCommand, CommandError

from callbacks.models import Client

from .setup_demo import DEMO_CLIENT


class Command(BaseCommand):
    help = "Print the full callback URL of the demo client."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True, help="origin of the local web server")

    def handle(self, *args, **options):
        client = Client.objects.filter(name=DEMO_CLIENT).first()
        if client is None:
            raise CommandError(f"No client named {DEMO_CLIENT!r}; run setup_demo first.")
        self.stdout.write(options["base_url"].rstrip("/") + client.callback_path)
