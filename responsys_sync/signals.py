from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from callbacks.models import Client
from django_celery_beat.models import PeriodicTask

from .scheduling import periodic_task_name, update_sync_schedule


@receiver(post_save, sender=Client)
def sync_schedule_follows_opt_in(sender, instance, **kwargs):
    update_sync_schedule(instance)


@receiver(post_delete, sender=Client)
def remove_sync_schedule(sender, instance, **kwargs):
    PeriodicTask.objects.filter(name=periodic_task_name(instance.pk)).delete()
