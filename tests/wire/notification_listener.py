"""A real oslo.messaging 14 notification listener for the tests
(tests/wire/test_notifier_wire.py, tests/cli/test_serve_notifications.py):
oslo_messaging.get_notification_listener on one topic of an exchange, in this
process, with an endpoint for the INFO and ERROR priorities that records
what it is handed (context, publisher_id, event_type, payload, metadata).
stop() ends it and deletes the topic's queues, which oslo declares
non-transient. Use a fresh topic per test so that tests never see each
other's notifications."""
import threading
import time

import kombu
import oslo_messaging
from oslo_config import cfg

PRIORITIES = ("info", "error")


class _Endpoint:
    def __init__(self, sink):
        self._sink = sink

    def _record(self, priority, ctxt, publisher_id, event_type, payload, metadata):
        self._sink(dict(priority=priority, ctxt=ctxt, publisher_id=publisher_id, event_type=event_type,
                        payload=payload, metadata=metadata))

    def info(self, ctxt, publisher_id, event_type, payload, metadata):
        self._record("info", ctxt, publisher_id, event_type, payload, metadata)

    def error(self, ctxt, publisher_id, event_type, payload, metadata):
        self._record("error", ctxt, publisher_id, event_type, payload, metadata)


class NotificationListener:
    def __init__(self, url, topic, exchange="nova"):
        self.url, self.topic = url, topic
        self._received, self._lock = [], threading.Lock()
        conf = cfg.ConfigOpts()
        conf([], project="bdm-notification-test")
        self._transport = oslo_messaging.get_notification_transport(conf, url=url)
        self._listener = oslo_messaging.get_notification_listener(
            self._transport, [oslo_messaging.Target(topic=topic, exchange=exchange)],
            [_Endpoint(self._add)], executor="threading")
        self._listener.start()

    def _add(self, notification):
        with self._lock:
            self._received.append(notification)

    def received(self):
        with self._lock:
            return list(self._received)

    def wait_for(self, count, seconds=30):
        """The notifications received once there are `count` (or the time is up)."""
        deadline = time.time() + seconds
        while len(self.received()) < count and time.time() < deadline:
            time.sleep(0.05)
        return self.received()

    def stop(self):
        self._listener.stop()
        self._listener.wait()
        self._transport.cleanup()
        delete_queues(self.url, ["%s.%s" % (self.topic, p) for p in PRIORITIES])


def delete_queues(url, names):
    with kombu.Connection(url.replace("rabbit://", "amqp://", 1)) as conn:
        channel = conn.channel()
        for name in names:
            channel.queue_delete(name)
