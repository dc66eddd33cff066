"""Operations on the broker for `orderb2b queues`: depths and dead-letter copies."""

from __future__ import annotations

import pika
from pika.exceptions import ChannelClosedByBroker

from hub.amqp.topology import Topology


def queue_depths(amqp_url: str, topology: Topology, processors) -> dict[str, dict[str, int]]:
    """Depth and consumers of every queue; a queue not declared yet is left out."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    depths = {}
    try:
        for name in topology.queues(processors):
            channel = connection.channel()
            try:
                result = channel.queue_declare(name, passive=True).method
            except ChannelClosedByBroker:
                continue
            depths[name] = {"messages": result.message_count, "consumers": result.consumer_count}
            channel.close()
    finally:
        connection.close()
    return depths


def take_dead_copy(amqp_url: str, topology: Topology, message_id: str) -> bool:
    """Remove a replayed message's copy from the dead-letter queue; others stay."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        found = False
        last_tag = None
        while True:
            method, properties, _body = channel.basic_get(topology.dead_queue, auto_ack=False)
            if method is None:
                break
            if not found and properties.message_id == message_id:
                channel.basic_ack(method.delivery_tag)
                found = True
            else:
                last_tag = method.delivery_tag
        if last_tag is not None:
            channel.basic_nack(last_tag, multiple=True, requeue=True)
        return found
    finally:
        connection.close()
