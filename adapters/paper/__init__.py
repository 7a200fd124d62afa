"""The paper venue: deterministic matching against recorded books."""
