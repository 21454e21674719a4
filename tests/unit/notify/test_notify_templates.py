from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.notify.domain.compose import compose
from services.notify.domain.config_files import NotifyConfig
from services.notify.domain.model import ChannelName, CitizenContact, NotificationContext
from services.notify.domain.planner import plan
from services.notify.domain.rules import ConfigError
from services.notify.domain.templates import TemplateError, load_templates, preview, render, required_variables
from services.notify.domain.triggers import order_kind

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_every_template_previews_on_every_channel(config: NotifyConfig):
    for name in config.templates.templates:
        for channel in ChannelName:
            rendered = preview(config.templates, name, channel=channel)
            assert rendered.subject and rendered.text, name


def test_citizen_templates_carry_case_number_deadline_and_contact_in_both_languages(config: NotifyConfig):
    rendered = preview(config.templates, "case_accepted_citizen")
    assert "BC-20261121-0001" in rendered.text and "李工 0755-83000000" in rendered.text
    assert "已受理" in rendered.text and "accepted" in rendered.text


def test_deadline_renders_in_shanghai_time(config: NotifyConfig):
    deadline = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    rendered = preview(config.templates, "sla_warning_department", variables={"deadline": deadline})
    assert "2026-11-25 17:30" in rendered.text


def test_missing_variable_is_an_error_naming_it(config: NotifyConfig):
    with pytest.raises(TemplateError, match="missing variable 'deadline'") as caught:
        render(config.templates, "sla_warning_department", channel=ChannelName.email,
               variables={"case_number": "BC-1", "recipient_name": "住建局"})
    assert caught.value.variable == "deadline"


def test_unknown_variable_in_a_template_file_is_refused_at_load(tmp_path: Path):
    path = tmp_path / "t.yaml"
    path.write_text("""
variables: {case_number: {description: n, example: BC-1}}
templates:
  t: {subject: "{case_number}", text: "办理人 {handler_name}"}
""", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown variable 'handler_name'"):
        load_templates(path)


def test_format_specs_and_attribute_access_are_refused(tmp_path: Path):
    path = tmp_path / "t.yaml"
    path.write_text("""
variables: {case_number: {description: n, example: BC-1}}
templates:
  t: {subject: "s", text: "{case_number.upper}"}
""", encoding="utf-8")
    with pytest.raises(ConfigError, match="malformed variable 'case_number.upper'"):
        load_templates(path)


def test_naive_datetime_is_refused(config: NotifyConfig):
    with pytest.raises(TemplateError, match="naive datetime in variable 'deadline'"):
        preview(config.templates, "sla_warning_department", variables={"deadline": datetime(2026, 11, 25)})


def test_unknown_template_is_an_error(config: NotifyConfig):
    with pytest.raises(TemplateError, match="'nope': no such template"):
        preview(config.templates, "nope")


def test_required_variables_tell_handlers_what_to_supply(config: NotifyConfig):
    assert required_variables(config.templates, "case_accepted_citizen") == {"case_number", "deadline", "contact"}


def test_compose_uses_the_short_text_for_sms_and_markdown_for_robots(config: NotifyConfig):
    ctx = NotificationContext(
        event_id="evt-9", case_id="case-9", case_number="BC-9", district="demo",
        citizen=CitizenContact(phone="13812345678"), lead_department="market",
        variables={"deadline": NOW, "contact": "窗口 0755-1", "summary": "证照过期", **order_kind(1)},
    )
    sms = [d for d in plan(rules=config.rules, event_type="case.accepted", context=ctx, now=NOW)
           if d.channel is ChannelName.sms][0]
    message = compose(sms, templates=config.templates)
    assert message.text.startswith("【办成】编号BC-9已受理") and message.markdown is None
    assert message.metadata["case_number"] == "BC-9"
    assert message.metadata["template"] == "case_accepted_citizen"

    wecom = [d for d in plan(rules=config.rules, event_type="workorder.dispatched", context=ctx, now=NOW)
             if d.channel is ChannelName.wecom][0]
    assert compose(wecom, templates=config.templates).markdown.startswith("### 新工单")


def test_a_redo_round_tells_the_department_it_is_a_redo(config: NotifyConfig):
    ctx = NotificationContext(
        event_id="evt-10", case_id="case-9", case_number="BC-9", district="demo", lead_department="market",
        variables={"deadline": NOW, "summary": "证照过期", **order_kind(2)},
    )
    delivery = plan(rules=config.rules, event_type="workorder.dispatched", context=ctx, now=NOW)[0]
    message = compose(delivery, templates=config.templates)
    assert "重办工单（第 2 轮） BC-9" in message.subject and "redo work order (round 2)" in message.text


def test_compose_fails_naming_the_variable_the_event_did_not_supply(config: NotifyConfig):
    ctx = NotificationContext(
        event_id="evt-9", case_id="case-9", case_number="BC-9", district="demo",
        citizen=CitizenContact(phone="13812345678"), variables={"contact": "窗口"},
    )
    delivery = plan(rules=config.rules, event_type="case.accepted", context=ctx, now=NOW)[0]
    with pytest.raises(TemplateError, match="missing variable 'deadline'"):
        compose(delivery, templates=config.templates)
