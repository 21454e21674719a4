"""A folder of district packs for notify's tests: the shipped ones, the demo district with full rules.

The demo pack notifies departments on the file sink only; these tests need every event of a case's life
on real channels, with addresses on the departments, a hall supervisor and a district supervisor.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from shared.districts import PACKS_DIR

HERE = Path(__file__).resolve().parent
DISTRICT = "demo"
HALL = "FT"
CONTACTS = {
    "market": {"name": "市场监管局", "email": "scjgj@bancheng.example", "phone": "13800000001",
               "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=example-scjgj",
               "webhook": "https://scjgj.bancheng.example/hooks/bancheng"},
    "housing": {"name": "住建局", "email": "zjj@bancheng.example", "phone": "13800000002",
                "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=example-zjj"},
    "medical_insurance": {"name": "医保局", "email": "ybj@bancheng.example",
                          "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=example-ybj"},
    "hr_social": {"name": "人社局", "email": "rsj@bancheng.example"},
    "real_estate": {"name": "不动产登记中心", "email": "bdcdj@bancheng.example"},
}
HALL_SUPERVISOR = {"name": "区政务服务中心督办专员", "email": "duban@bancheng.example",
                   "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=example-hall-01"}


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def notify_test_packs(root: Path, *, url=None) -> Path:
    """Copy the shipped packs to `root`; the demo pack gets full rules and contacts (robots and webhooks
    pointed at `url(...)` when given)."""
    shutil.copytree(PACKS_DIR, root)
    demo = root / DISTRICT
    rules = yaml.safe_load((HERE / "district_notify.yaml").read_text(encoding="utf-8"))
    if url is not None:
        rules["district_supervisor"]["dingtalk"] = url("/dingtalk/district?access_token=t")
    (demo / "notify.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def contacts(catalogue: dict) -> None:
        for department in catalogue["departments"]:
            contact = dict(CONTACTS.get(department["code"], {}))
            if url is not None:
                for channel in ("wecom", "webhook"):
                    if channel in contact:
                        contact[channel] = url(f"/{channel}/{department['code']}")
            if contact:
                department["contact"] = contact

    def supervisor(district: dict) -> None:
        hall = next(h for h in district["halls"] if h["code"] == HALL)
        hall.update(name_zh="示例区政务服务中心", window_zh="办不成事反映窗口（3号）", contact_phone="0755-83000000",
                    supervisor={**HALL_SUPERVISOR, **({"wecom": url(f"/wecom/{HALL}")} if url else {})})

    _edit(demo / "catalogue.yaml", contacts)
    _edit(demo / "district.yaml", supervisor)
    return root


def webhook_dispatch_packs(root: Path, webhook_url: str) -> Path:
    """The shipped packs; the demo district's dispatched work orders go to its market department's webhook."""
    shutil.copytree(PACKS_DIR, root)
    rules = {"rules": [{"event": "workorder.dispatched", "notify": [
        {"audience": "lead_department", "channels": ["webhook"], "template": "workorder_dispatched_department"}]}]}
    (root / DISTRICT / "notify.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")

    def webhook(catalogue: dict) -> None:
        market = next(d for d in catalogue["departments"] if d["code"] == "market")
        market["contact"] = {"name": "市场监管局", "webhook": webhook_url}

    _edit(root / DISTRICT / "catalogue.yaml", webhook)
    return root
