"""Constants and a small API session used by the emulator tests."""

from urllib.parse import quote

import requests

from responsys_emulator.testing import EmulatorProcess

USER = "demo"
PASSWORD = "demo-password"
# Reserved characters that break logins whose form body is built by hand.
SPECIAL_USER = "dlr_api"
SPECIAL_PASSWORD = "p@ss&word=+% x"
FOLDER = "Gupshup WhatsApp DLR"
TABLE = "DLR_REPORT"
DLR_FIELDS = [
    ("MESSAGE_ID", "STR100"), ("STATUS", "STR25"), ("RECIPIENT_ID", "STR100"),
    ("DLR_TIMESTAMP", "TIMESTAMP"), ("ERROR_REASON", "STR500"), ("ATTEMPTS", "INTEGER"),
    ("PRICE", "NUMBER"), ("CHANNEL", "CHAR"),
]
DLR_FIELD_NAMES = [name for name, _ in DLR_FIELDS]
USERS = {USER: PASSWORD, SPECIAL_USER: SPECIAL_PASSWORD}


class ResponsysSession:
    """A logged-in API user of one emulator, with helpers that spell out each path."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.emulator = emulator
        self.http = requests.Session()
        self.token = None
        self.endpoint = None

    def login(self, user=USER, password=PASSWORD) -> requests.Response:
        response = self.http.post(
            f"{self.emulator.login_url}/rest/api/v1.3/auth/token",
            data={"user_name": user, "password": password, "auth_type": "password"}, timeout=10)
        if response.status_code == 200:
            self.token = response.json()["authToken"]
            self.endpoint = response.json()["endPoint"]
        return response

    def call(self, method, path, token=None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        headers.setdefault("Authorization", self.token if token is None else token)
        return self.http.request(method, f"{self.endpoint}{path}", headers=headers,
                                 timeout=kwargs.pop("timeout", 10), **kwargs)

    def create_folder(self, name=FOLDER) -> requests.Response:
        return self.call("POST", "/rest/api/v1.3/folders", json={"folderName": name})

    def create_table(self, fields=DLR_FIELDS, primary_keys=("MESSAGE_ID", "STATUS"),
                     table=TABLE, folder=FOLDER) -> requests.Response:
        body = {
            "table": {"objectName": table},
            "fields": [{"fieldName": name, "fieldType": field_type, "dataExtractionKey": False}
                       for name, field_type in fields],
            "primaryKeys": list(primary_keys),
        }
        return self.call("POST", f"/rest/api/v1.3/folders/{quote(folder, safe='')}/suppData",
                         json=body)

    def members_path(self, table=TABLE, folder=FOLDER, api="api") -> str:
        return f"/rest/{api}/v1.3/folders/{quote(folder, safe='')}/suppData/{table}/members"

    def merge(self, records, field_names=DLR_FIELD_NAMES, table=TABLE,
              **options) -> requests.Response:
        body = {"recordData": {"fieldNames": field_names, "records": records,
                               "mapTemplateName": None},
                "insertOnNoMatch": True, "updateOnMatch": "REPLACE_ALL", **options}
        return self.call("POST", self.members_path(table), json=body)


def dlr_row(message_id="gBEGkYiEB1VXAglK1ZEqA1YKPrU", status="DELIVERED", **values):
    """Build one DLR_REPORT record as a list of strings, in DLR_FIELD_NAMES order."""
    row = {"MESSAGE_ID": message_id, "STATUS": status, "RECIPIENT_ID": "919812345678",
           "DLR_TIMESTAMP": "2024-06-03 10:15:02", "ERROR_REASON": "", "ATTEMPTS": "1",
           "PRICE": "0.0085", "CHANNEL": "W"}
    row.update(values)
    return [row[name] for name in DLR_FIELD_NAMES]
