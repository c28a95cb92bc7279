DROP TABLE evidence_referrals;
DROP TABLE evidence_partnership_partners;
DROP TABLE evidence_partnerships;
DROP TABLE evidence_adoption_figures;
DROP TABLE evidence_adoptions;
DROP TABLE evidence_programmes;
