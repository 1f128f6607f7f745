"""Client visibility: staff see every client, marketers the clients they are members of."""
from callbacks.models import Client


def visible_clients(user):
    if user.is_staff or user.is_superuser:
        return Client.objects.all()
    return Client.objects.filter(members=user)
