import json
import os

record = {"errors": []}


def save():
    with open(os.environ["STUB_RECORD"], "w") as f:
        json.dump(record, f)


def get_config_env():
    return json.loads(os.environ.get("PULUMI_CONFIG", "{}"))


def get_config_secret_keys_env():
    return json.loads(os.environ.get("PULUMI_CONFIG_SECRET_KEYS", "[]"))


def set_all_config(config, secret_keys=None):
    record["config"] = config
    record["secretKeys"] = secret_keys
    save()


class Settings:
    def __init__(self, **settings):
        self.settings = settings


def configure(settings):
    record["settings"] = settings.settings
    save()


async def run_in_stack(func):
    record["cwd"] = os.getcwd()
    record["inStack"] = True
    save()
    func()
    record["finished"] = True
    save()
