"""Alert delivery (issue #13): the ``notify:`` channels and routes, each platform's message format, the delivery log
(:mod:`shoplens.warehouse.deliveries_table`)."""

from shoplens.analyses.notify.config import Channel, NotifyConfig, Route, load_notify, parse_notify
from shoplens.analyses.notify.deliver import SendResult, alerts_send, notify_test, scope_key
from shoplens.analyses.notify.formats import dingtalk_sign, feishu_sign

__all__ = ["Channel", "NotifyConfig", "Route", "SendResult", "alerts_send", "dingtalk_sign", "feishu_sign",
           "load_notify", "notify_test", "parse_notify", "scope_key"]
