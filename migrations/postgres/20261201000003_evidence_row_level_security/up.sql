-- An adoption's figures are the host's; an accepted partner of a partnership of that adoption
-- reads them too (see the kernel's row-level security migration for the settings).
ALTER TABLE evidence_adoption_figures ENABLE ROW LEVEL SECURITY;
CREATE POLICY retning_tenant ON evidence_adoption_figures USING (retning_visible(municipality_id));
CREATE POLICY retning_partner_reads ON evidence_adoption_figures FOR SELECT USING (
  EXISTS (
    SELECT 1
    FROM evidence_partnerships p
    JOIN evidence_partnership_partners pp ON pp.partnership_id = p.id
    WHERE p.adoption_id = evidence_adoption_figures.adoption_id
      AND pp.status = 'accepted'
      AND retning_visible(pp.partner_municipality_id)
  )
);
