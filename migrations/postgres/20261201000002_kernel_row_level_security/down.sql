DROP POLICY retning_append ON audit_log;
DROP POLICY retning_tenant ON audit_log;
ALTER TABLE audit_log DISABLE ROW LEVEL SECURITY;
DROP POLICY retning_tenant ON api_keys;
ALTER TABLE api_keys DISABLE ROW LEVEL SECURITY;
DROP POLICY retning_tenant ON users;
ALTER TABLE users DISABLE ROW LEVEL SECURITY;
DROP FUNCTION retning_visible(BIGINT);
DO $$
BEGIN
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM retning_app', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM retning_app', current_schema());
  EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM retning_app', current_schema());
  EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM retning_app', current_schema());
  EXECUTE format('REVOKE ALL ON SCHEMA %I FROM retning_app', current_schema());
END $$;
