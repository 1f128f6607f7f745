"""A text field encrypted at rest with Fernet (AES-128-CBC with an HMAC)."""
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

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
