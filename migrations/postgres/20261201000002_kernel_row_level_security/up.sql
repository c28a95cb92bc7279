-- A second wall around the private tables: the application works as the role retning_app, which
-- owns no table, and policies let it see a row of a private table only when the row's
-- municipality is the one the current transaction is scoped to (setting retning.municipality_id,
-- made by the kernel when a request's municipality is resolved), or when the kernel has scoped
-- the transaction to the platform (setting retning.scope = 'platform': sign-in, credentials).
-- A query without either setting sees no private row at all.
--
-- Creating the role needs CREATEROLE once; where the database user lacks it, a DBA creates the
-- role (CREATE ROLE retning_app NOLOGIN) and grants it to the user before the first start.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'retning_app') THEN
    BEGIN
      CREATE ROLE retning_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database of the same server created it at the same moment
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'retning_app', 'MEMBER') THEN
    EXECUTE format('GRANT retning_app TO %I', current_user);
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO retning_app', current_schema());
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO retning_app', current_schema());
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO retning_app', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO retning_app', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO retning_app', current_schema());
END $$;
REVOKE ALL ON __diesel_schema_migrations FROM retning_app;

-- Whether a row of municipality m may be seen in the current transaction.
CREATE FUNCTION retning_visible(m BIGINT) RETURNS BOOLEAN
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('retning.scope', true), '') = 'platform'
      OR m = nullif(current_setting('retning.municipality_id', true), '')::BIGINT
$$;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY retning_tenant ON users USING (retning_visible(municipality_id));

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY retning_tenant ON api_keys USING (retning_visible(municipality_id));

-- The audit log is read per municipality. Appending is always allowed: the kernel's audit writer
-- records every change, and a change may concern two municipalities (a partnership's answer is
-- recorded in both parties' logs) or one the transaction was not scoped to (the operator's).
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY retning_tenant ON audit_log USING (retning_visible(municipality_id));
CREATE POLICY retning_append ON audit_log FOR INSERT WITH CHECK (true);
