"""X12 004010 channel: 850 purchase orders in, 997 acknowledgments back, 855, 856 and
810 documents out.

Modules: segments (tokenizer), envelope (ISA/GS/ST structure), syntax and layout850
(what a 997 reports), values (element values), parse (850 to canonical orders),
ack (997), writer (outbound envelopes) and render (855, 856, 810).
"""
