"""Model fields: text encrypted at rest with Fernet, and JSON kept as PostgreSQL `json`."""
import json
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models
from psycopg.types.json import Json

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


class EncryptedTextField(models.TextField):
    """Stores the value encrypted with settings.FIELD_ENCRYPTION_KEY; Python code reads and writes plain text."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        try:
            return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(value.encode()).decode()
        except InvalidToken:
            # The key changed since the value was written: the admin must enter it again.
            logger.warning("an encrypted %s value cannot be decrypted with the current "
                           "DLR_FIELD_ENCRYPTION_KEY; enter it again in the admin",
                           self.name)
            return ""


class PlainJSONField(models.JSONField):
    """JSON stored in PostgreSQL's `json` type (validated text) instead of `jsonb`.

    For values that are only written and shown again, never queried by key: PostgreSQL checks
    `json` input without converting it to the binary `jsonb` form, which costs about 5 µs per
    event in the webhook's statement (bench/webhook_throughput.py machine, 80-event statement).
    Key lookups and containment queries are not available on this field.
    """

    def db_type(self, connection):
        return "json"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        return Json(value, dumps=lambda data: json.dumps(data, cls=self.encoder))

    def from_db_value(self, value, expression, connection):
        # psycopg decodes `json` itself, while Django's loader returns `jsonb` as text.
        if isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value
