-- Measures are the municipality's own (see the kernel's row-level security migration).
ALTER TABLE placement_measures ENABLE ROW LEVEL SECURITY;
CREATE POLICY retning_tenant ON placement_measures USING (retning_visible(municipality_id));
