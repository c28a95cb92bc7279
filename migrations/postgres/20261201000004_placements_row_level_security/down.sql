DROP POLICY retning_tenant ON placement_measures;
ALTER TABLE placement_measures DISABLE ROW LEVEL SECURITY;
