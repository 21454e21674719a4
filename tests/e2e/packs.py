"""District packs for the e2e stacks: the shipped ones with every notification sent to the file sink."""

import shutil
from pathlib import Path

import yaml

from shared.districts import PACKS_DIR


def file_sink_packs(root: Path) -> Path:
    """The shipped packs with every notification sent to the development file sink: the stack has no
    SMTP server or robots, and the sink records whom each message was for."""
    shutil.copytree(PACKS_DIR, root)
    for notify in root.glob("*/notify.yaml"):
        data = yaml.safe_load(notify.read_text(encoding="utf-8"))
        for rule in data["rules"]:
            for recipient in rule["notify"]:
                if recipient["audience"] != "hotline":
                    recipient["channels"] = ["file"]
        notify.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root
