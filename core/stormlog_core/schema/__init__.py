"""Record schema: fields, coercion and validation, identity, records, legacy
conversion, session summaries, units and the event taxonomy. No I/O."""
