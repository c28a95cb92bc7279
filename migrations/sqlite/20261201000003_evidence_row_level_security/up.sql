-- Row-level security is PostgreSQL's; SQLite is one process's own file, walled by the kernel's
-- queries alone. Nothing to do.
SELECT 1;
