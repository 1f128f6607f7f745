"""Celery application: Django settings under the CELERY_ namespace, tasks autodiscovered."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dlr_project.settings")

app = Celery("dlr_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
