"""Documents we send to partners: built from our records, queued, delivered with retries."""
