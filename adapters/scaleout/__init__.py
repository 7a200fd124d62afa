"""Scale-out on PostgreSQL: an ingest application, engine workers that each own a partition of
agents and follow the ingest log with tracking, and a lease so one worker trades per partition."""
