"""Inbound email: read safely, classify, match to the document it answers, judge the
sender. Pure functions over bytes; the hub stores the raw message first and then asks
these."""

from __future__ import annotations

from mail.classify import AUTO_REPLY, BOUNCE, LIST, LOOP, REPLY, bounce_details, classify
from mail.matching import SUBJECT_PATTERNS, Match, match_document
from mail.message import Attachment, DeliveryReport, InboundMessage, MessageRefused
from mail.mime import MAX_BYTES, MAX_DEPTH, MAX_PARTS, read_message
from mail.reply_tokens import KIND_CODES, make_reply_address, read_reply_address
from mail.trust import SPOOFED, UNVERIFIED, VERIFIED, sender_trust

__all__ = [
    "AUTO_REPLY",
    "BOUNCE",
    "KIND_CODES",
    "LIST",
    "LOOP",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_PARTS",
    "REPLY",
    "SPOOFED",
    "SUBJECT_PATTERNS",
    "UNVERIFIED",
    "VERIFIED",
    "Attachment",
    "DeliveryReport",
    "InboundMessage",
    "Match",
    "MessageRefused",
    "bounce_details",
    "classify",
    "make_reply_address",
    "match_document",
    "read_message",
    "read_reply_address",
    "sender_trust",
]
