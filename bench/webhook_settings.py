"""Settings for the webhook benchmark's baseline run: production settings plus the baseline URL."""
from dlr_project.settings import *  # noqa: F403

ROOT_URLCONF = "bench.webhook_baseline"
