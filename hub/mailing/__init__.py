"""The hub's mail: sending queued messages, the IMAP and SMTP doors, routing what arrives."""
