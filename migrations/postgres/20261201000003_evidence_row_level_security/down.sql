DROP POLICY retning_partner_reads ON evidence_adoption_figures;
DROP POLICY retning_tenant ON evidence_adoption_figures;
ALTER TABLE evidence_adoption_figures DISABLE ROW LEVEL SECURITY;
